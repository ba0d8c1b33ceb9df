"""No eternal spinner: a provider that stops sending ends the run with a recoverable error and
the offline analyst's answer; a slow model that still streams gets keep-alive progress; a slow
tool is not a stall (it has its own timeout)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cryptodesk.app import create_app
from cryptodesk.domain.events import AgentStep, Progress, Report, RunError
from cryptodesk.tools.base import ToolContext, ToolResult
from cryptodesk.tools.registry import ToolRegistry, build_registry
from tests.engines.magentic.conftest import llm_settings, make_engine, request
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer, Reply, team_responder
from tests.fakes import RecordingSink
from tests.runtime.client import chat, connect, recv, run_to_end
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running

Body = dict[str, Any]
QUESTION = "Analyze BTC on the 4h chart"
STALL_S = 1.0


def stalls_mid_stream(fake: FakeLLM, body: Body, kind: str) -> Reply:
    """The TechnicalAnalyst's answer stops after a few tokens; the connection stays open."""
    reply = team_responder(fake, body, kind)
    if kind == "worker" and "You are the TechnicalAnalyst" in str(body["messages"][0]):
        reply.stall_after = 4
    return reply


async def test_stalled_provider_ends_the_run_and_the_offline_analyst_answers(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    llm.responder = stalls_mid_stream
    settings = llm_settings(
        tmp_path, shared_market_dir, llm_server, llm_stall_timeout_s=STALL_S, llm_timeout_s=60.0
    )
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    (error,) = sink.of_type(RunError)
    assert (error.code, error.recoverable) == ("llm_stalled", True)
    assert error.message == (
        f"The LLM stopped sending: no token and no tool progress for {STALL_S:g} s. "
        "The offline analyst answers instead."
    )
    reports = sink.of_type(Report)
    assert len(reports) == 1 and reports[0].engine == "offline (LLM fallback)"
    # The stalled request was abandoned (the client hung up), not left open.
    assert await asyncio.to_thread(llm.request_closed.wait, 5.0)
    stalled = next(r for r in llm.requests if r.agent == "TechnicalAnalyst")
    assert stalled.closed_early
    # Every step the team opened was closed before the fallback's steps.
    steps = sink.of_type(AgentStep)
    team_steps = [s for s in steps if "-llm-" in s.step_id]
    opened = {s.step_id for s in team_steps if s.status == "working"}
    assert opened == {s.step_id for s in team_steps if s.status != "working"}


@pytest.fixture
def stalling_server(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> Iterator[LiveServer]:
    llm.responder = stalls_mid_stream
    settings = llm_settings(
        tmp_path, shared_market_dir, llm_server, llm_stall_timeout_s=STALL_S, llm_timeout_s=60.0
    )
    with running(create_app(settings)) as server:
        yield server


async def test_stalled_provider_over_the_socket_ends_with_one_terminal_status(
    stalling_server: LiveServer,
) -> None:
    async with connect(stalling_server.ws) as ws:
        await recv(ws)
        await ws.send(chat(QUESTION))
        frames = await run_to_end(ws)
    check_run(frames, expect="completed")
    errors = [f for f in frames if f["type"] == "error"]
    assert [(e["code"], e["recoverable"]) for e in errors] == [("llm_stalled", True)]
    result = frames[-2]
    assert result["type"] == "result" and result["engine"] == "offline (LLM fallback)"
    assert frames.index(errors[0]) < len(frames) - 2


async def test_slow_streaming_model_gets_keepalive_progress_and_is_not_stalled(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    def slow_ledger(fake: FakeLLM, body: Body, kind: str) -> Reply:
        reply = team_responder(fake, body, kind)
        if kind == "ledger":  # ~40 chunks, one every 0.1 s: slow, never silent for 1 s
            reply.chunk_delay_s = 0.1
        return reply

    llm.responder = slow_ledger
    settings = llm_settings(tmp_path, shared_market_dir, llm_server, llm_stall_timeout_s=STALL_S)
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    assert not sink.of_type(RunError)
    report = sink.events[-1]
    assert isinstance(report, Report) and report.engine.startswith("magentic:")
    # While the ledger streamed (no frame of its own), progress kept the socket alive: frames
    # that repeat the spend so far, between the first round's end and the ReportWriter's step.
    events = sink.events
    writer = next(
        i for i, e in enumerate(events) if isinstance(e, AgentStep) and e.agent == "ReportWriter"
    )
    round_done = max(
        i
        for i, e in enumerate(events[:writer])
        if isinstance(e, AgentStep) and e.status == "completed"
    )
    before = [e for e in events[:round_done] if isinstance(e, Progress)][-1]
    window = [e for e in events[round_done:writer] if isinstance(e, Progress)]
    # Only the ledger ran there: keep-alives repeat the spend so far, then its own update.
    keepalives = [p for p in window if p.spent == before.spent]
    assert keepalives, "no keep-alive progress while the ledger streamed"
    assert window[-1].spent != before.spent


class SlowPrice:
    """get_crypto_price that takes longer than the stall timeout."""

    def __init__(self) -> None:
        inner = build_registry().get("get_crypto_price")
        self.inner = inner
        self.name = inner.name
        self.description = inner.description
        self.args_schema = inner.args_schema
        self.result_schema = inner.result_schema

    async def invoke(self, context: ToolContext, arguments: Mapping[str, object]) -> ToolResult:
        await asyncio.sleep(STALL_S * 1.5)
        return await self.inner.invoke(context, arguments)


async def test_slow_tool_is_not_a_stall(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    llm.responder = team_responder
    settings = llm_settings(tmp_path, shared_market_dir, llm_server, llm_stall_timeout_s=STALL_S)
    base = build_registry()
    slow = SlowPrice()
    registry = ToolRegistry([slow, *(base.get(n) for n in base.names() if n != slow.name)])
    sink = RecordingSink()
    await make_engine(settings, registry=registry).run(request(QUESTION), sink)
    assert not sink.of_type(RunError)
    report = sink.events[-1]
    assert isinstance(report, Report) and report.engine.startswith("magentic:")
