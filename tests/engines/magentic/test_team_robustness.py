"""The team against the loopback LLM when things go wrong: failing tools, bad ledgers, limits,
budget, cancellation, a model without tool calling, transient errors."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cryptodesk.config import Settings
from cryptodesk.domain.events import (
    AgentStep,
    Progress,
    Report,
    RunError,
    ToolCalled,
    ToolFinished,
)
from cryptodesk.tools.base import ToolContext, ToolResult
from cryptodesk.tools.registry import ToolRegistry, build_registry
from tests.engines.magentic.conftest import llm_settings, make_engine, request
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer, Reply, default_responder, ledger
from tests.fakes import RecordingSink

Body = dict[str, Any]


class BrokenTool:
    """get_crypto_price that raises, or hangs until cancelled."""

    def __init__(self, *, hang: bool = False) -> None:
        inner = build_registry().get("get_crypto_price")
        self.name = inner.name
        self.description = inner.description
        self.args_schema = inner.args_schema
        self.result_schema = inner.result_schema
        self.hang = hang
        self.cancelled = False
        self.started = asyncio.Event()

    async def invoke(self, context: ToolContext, arguments: Mapping[str, object]) -> ToolResult:
        self.started.set()
        if self.hang:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                self.cancelled = True
                raise
        raise RuntimeError("exchange API unavailable")


def registry_with(tool: BrokenTool) -> ToolRegistry:
    base = build_registry()
    return ToolRegistry([tool, *(base.get(n) for n in base.names() if n != tool.name)])


def report_of(sink: RecordingSink) -> Report:
    report = sink.events[-1]
    assert isinstance(report, Report)
    return report


async def test_team_tool_that_raises_is_reported_and_the_run_goes_on(
    settings: Settings, llm: FakeLLM
) -> None:
    engine = make_engine(settings, registry=registry_with(BrokenTool()))
    sink = RecordingSink()
    await engine.run(request("Analyze BTC on the 4h chart"), sink)
    (failed,) = [f for f in sink.of_type(ToolFinished) if not f.success]
    plain = "get_crypto_price failed because of an internal error (see the server log)"
    assert failed.error == plain  # the exception's text goes to the log only
    (called,) = [c for c in sink.of_type(ToolCalled) if c.tool_name == "get_crypto_price"]
    assert failed.call_id == called.call_id
    # The first round's other calls answered; the market analyst read the failure.
    assert len(sink.of_type(ToolFinished)) > 1
    reading = next(r for r in llm.of_kind("worker") if r.agent == "CryptoMarketAnalyst")
    assert f"FAILED: {plain}" in reading.last_text
    assert report_of(sink).engine.startswith("magentic:")
    assert "FAILED" in llm.of_kind("report")[0].last_text
    assert report_of(sink).answer_kind == "partial"


async def test_team_malformed_ledger_json_replans_and_finishes(
    sequential: Settings, llm: FakeLLM
) -> None:
    def garbled(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if kind == "ledger" and fake.count("ledger") <= 3:
            return Reply("I think the next speaker should be... {not json")
        return default_responder(fake, body, kind)

    llm.responder = garbled
    sink = RecordingSink()
    await make_engine(sequential).run(request("Analyze BTC on the 4h chart"), sink)
    orchestrator = [
        s for s in sink.of_type(AgentStep) if s.agent == "Orchestrator" and s.status == "working"
    ]
    assert [s.message for s in orchestrator][:2] == [
        "Planning the analysis.",
        "Re-planning: the team was not making progress.",
    ]
    assert llm.count("ledger") >= 5
    assert llm.count("worker") == 2
    assert "## BTC\n" in report_of(sink).content


async def test_team_unknown_speaker_ends_with_a_written_report(
    sequential: Settings, llm: FakeLLM
) -> None:
    def stranger(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if kind == "ledger":
            return Reply(ledger(False, "BitcoinOracle", "Predict the price."))
        return default_responder(fake, body, kind)

    llm.responder = stranger
    sink = RecordingSink()
    await make_engine(sequential).run(request("Analyze BTC on the 4h chart"), sink)
    assert llm.count("ledger") == 3  # the framework's retries, then "invalid next speaker"
    assert llm.count("worker") == 0
    assert llm.count("report") == 1
    assert "## BTC\n" in report_of(sink).content


async def test_team_round_limit_yields_a_written_summary(
    sequential: Settings, llm: FakeLLM
) -> None:
    def never_done(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if kind == "ledger":
            return Reply(ledger(False, "TechnicalAnalyst", "Compute RSI for bitcoin on 4h."))
        if kind == "worker":
            return Reply("Still working on it.")
        return default_responder(fake, body, kind)

    llm.responder = never_done
    sink = RecordingSink()
    await make_engine(sequential).run(request("Analyze BTC on the 4h chart", max_turns=2), sink)
    assert llm.count("ledger") == 2 and llm.count("worker") == 2
    prompt = llm.of_kind("report")[0].last_text
    assert "round limit" in prompt
    report = report_of(sink)
    assert "Workflow terminated" not in report.content
    assert "## BTC\n" in report.content
    # The estimate (turn 0), then the rounds; spend updates repeat the current round.
    turns = [p.current_turn for p in sink.of_type(Progress)]
    assert turns == sorted(turns) and set(turns) == {0, 1, 2}


async def test_team_budget_stops_delegating_and_summarises(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    settings = llm_settings(
        tmp_path, shared_market_dir, llm_server, run_budget_tokens=500, llm_parallel=False
    )
    sink = RecordingSink()
    await make_engine(settings).run(request("Analyze BTC on the 4h chart"), sink)
    errors = sink.of_type(RunError)
    assert [(e.code, e.recoverable) for e in errors] == [("budget_exceeded", True)]
    assert llm.count("worker") == 0, "no delegation once the plan used the budget"
    assert "budget" in llm.of_kind("report")[0].last_text
    report = report_of(sink)
    assert report.usage.prompt_tokens + report.usage.completion_tokens >= 500


async def test_team_cancel_mid_tool_stops_the_tool_and_the_llm(
    settings: Settings, llm: FakeLLM
) -> None:
    # The first round's lanes run at once: the ChartingAgent's request may be on its way when
    # the cancel comes (the fake, busy on a loaded machine, may record it only later). Slow
    # answers keep every such request open past the cancel: each must then show as abandoned
    # by the client, while one some leftover task sent afterwards would still be waiting.
    llm.delay_s = 10.0
    tool = BrokenTool(hang=True)
    engine = make_engine(settings, registry=registry_with(tool))
    sink = RecordingSink()
    task = asyncio.create_task(engine.run(request("Analyze BTC on the 4h chart"), sink))
    await asyncio.wait_for(tool.started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)
    assert tool.cancelled
    (hung,) = [c for c in sink.of_type(ToolCalled) if c.tool_name == "get_crypto_price"]
    assert hung.call_id not in {f.call_id for f in sink.of_type(ToolFinished)}
    await asyncio.sleep(1.5)
    kept = [r.agent for r in llm.requests if not r.closed_early]
    assert kept == [], "every LLM request of the run is abandoned at the cancel"
    await engine.aclose()


async def test_team_model_without_tool_calling_is_reported_clearly(
    settings: Settings, llm: FakeLLM
) -> None:
    def no_tools(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if kind == "worker":
            return Reply("registry.ollama.ai/library/gemma:2b does not support tools", status=400)
        return default_responder(fake, body, kind)

    llm.responder = no_tools
    sink = RecordingSink()
    await make_engine(settings).run(request("Analyze BTC on the 4h chart"), sink)
    errors = sink.of_type(RunError)
    assert [e.code for e in errors] == ["llm_no_tools"]
    assert "does not support tool calling" in errors[0].message
    assert "Traceback" not in errors[0].message
    assert report_of(sink).engine == "offline (LLM fallback)"
    failed = {s.agent for s in sink.of_type(AgentStep) if s.status == "error"}
    assert failed and failed <= {"CryptoMarketAnalyst", "TechnicalAnalyst", "ChartingAgent"}
    # Every step the team opened was closed, whichever lane failed first.
    opened = {s.step_id for s in sink.of_type(AgentStep) if s.status == "working"}
    closed = {s.step_id for s in sink.of_type(AgentStep) if s.status != "working"}
    assert opened <= closed


async def test_team_transient_errors_are_retried(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    settings = llm_settings(
        tmp_path, shared_market_dir, llm_server, llm_max_retries=2, llm_parallel=False
    )

    def flaky(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if kind == "facts" and fake.count("facts") == 0:
            return Reply("overloaded", status=503)
        if kind == "plan" and fake.count("plan") == 0:
            return Reply("slow down", status=429)
        return default_responder(fake, body, kind)

    llm.responder = flaky
    sink = RecordingSink()
    await make_engine(settings).run(request("Analyze BTC on the 4h chart"), sink)
    assert not sink.of_type(RunError)
    assert (llm.count("facts"), llm.count("plan")) == (2, 2)
    assert report_of(sink).engine.startswith("magentic:")
