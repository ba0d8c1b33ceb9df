"""The team on a scripted chat client: events, tool calls through the invoker, report."""

from __future__ import annotations

from pathlib import Path

from cryptodesk.config import Settings
from cryptodesk.domain.events import AgentStep, Progress, Report, ToolCalled, ToolFinished
from cryptodesk.engines.magentic.engine import MagenticEngine
from cryptodesk.engines.magentic.providers import LlmProviders
from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.engines.magentic.usage import PriceTable
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from tests.engines.magentic.conftest import request
from tests.engines.magentic.fake_llm import ledger
from tests.engines.magentic.scripted_client import Script, ScriptedChatClient
from tests.fakes import MemoryChartStore, RecordingSink

TARGET = LlmTarget("openai", "scripted", "scripted", "http://127.0.0.1:9/v1")


def scripted_engine(shared_market_dir: Path, script: Script) -> MagenticEngine:
    """One script serves every call in order, so the manager delegates one step at a time
    (no first round, whose specialists would take the script's items in any order)."""
    market = MarketDataService(
        ReplayProvider(shared_market_dir / "binance_spot_1h"), "replay", "test replay"
    )
    charts = MemoryChartStore()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return MagenticEngine(
        TARGET,
        market=market,
        charts=charts,
        fallback=OfflineAnalyst(market, charts, 5.0),
        tool_timeout_s=5.0,
        history_tokens=settings.llm_history_tokens,
        prices=PriceTable.build({"scripted": (1.0, 2.0)}, free=False),
        providers=LlmProviders(TARGET, lambda _model: ScriptedChatClient(script)),
        parallel=False,
    )


async def test_scripted_team_maps_delegations_tools_and_report(shared_market_dir: Path) -> None:
    script = Script(
        [
            "FACTS",
            "- TechnicalAnalyst: indicators",
            ledger(False, "TechnicalAnalyst", "Compute RSI for bitcoin on 4h."),
            [("compute_indicators", {"coin": "bitcoin", "timeframe": "4h"})],
            "RSI computed with compute_indicators.",
            ledger(True),
            "## BTC report [1: compute_indicators]",
        ]
    )
    engine = scripted_engine(shared_market_dir, script)
    sink = RecordingSink()
    await engine.run(request("Analyze BTC RSI on 4h", max_turns=5), sink)

    steps = sink.of_type(AgentStep)
    working = [s for s in steps if s.status == "working" and s.delta is None]
    assert [s.agent for s in working] == ["Orchestrator", "TechnicalAnalyst", "ReportWriter"]
    assert working[1].message == "Compute RSI for bitcoin on 4h."
    progress = sink.of_type(Progress)
    # The estimate first (turn 0), then the rounds (the TechnicalAnalyst, the final ledger),
    # with the spend so far after every LLM call (the live meter).
    assert progress[0].current_turn == 0 and progress[0].estimate is not None
    assert {p.current_turn for p in progress[1:]} == {1, 2}
    spent = [p.spent.prompt_tokens for p in progress[1:] if p.spent is not None]
    assert spent == sorted(spent) and set(spent) == set(range(10, 80, 10))
    called, finished = sink.of_type(ToolCalled), sink.of_type(ToolFinished)
    assert [c.tool_name for c in called] == ["compute_indicators"]
    assert finished[0].call_id == called[0].call_id and finished[0].success
    deltas = "".join(s.delta or "" for s in steps if s.agent == "TechnicalAnalyst")
    assert deltas.strip() == "RSI computed with compute_indicators."
    report = sink.events[-1]
    assert isinstance(report, Report)
    assert report.content.strip() == "## BTC report [1: compute_indicators]"
    assert report.agents_used == ("Orchestrator", "TechnicalAnalyst", "ReportWriter")
    # 7 scripted calls of 10 + 2 tokens each, priced at $1 / $2 per million
    assert (report.usage.prompt_tokens, report.usage.completion_tokens) == (70, 14)
    assert report.usage.cost_usd == round((70 * 1.0 + 14 * 2.0) / 1e6, 6)
    assert not script.items


async def test_scripted_worker_sees_only_the_instruction(shared_market_dir: Path) -> None:
    script = Script(
        [
            "FACTS",
            "PLAN",
            ledger(False, "CryptoMarketAnalyst", "Get the bitcoin price."),
            "Price noted.",
            ledger(True),
            "Report.",
        ]
    )
    engine = scripted_engine(shared_market_dir, script)
    await engine.run(request("Tell me about BTC and ETH markets"), RecordingSink())
    worker_call = script.calls[3]
    texts = [m.text for m in worker_call]
    assert texts[-1] == "Get the bitcoin price."
    assert not any("Tell me about BTC and ETH" in t for t in texts)


async def test_scripted_team_outlook_is_assess_outlooks_output(shared_market_dir: Path) -> None:
    """The LLM run's outlook comes from the tool's structured output, never from the prose."""
    script = Script(
        [
            "FACTS",
            "- TechnicalAnalyst: outlook",
            ledger(False, "TechnicalAnalyst", "Assess the outlook of ETH on 4h."),
            [
                ("compute_indicators", {"coin": "ethereum", "timeframe": "4h"}),
                ("assess_outlook", {"coin": "ethereum", "timeframe": "4h"}),
            ],
            "Bearish per assess_outlook.",
            ledger(True),
            "## ETH outlook [2: assess_outlook]",
        ]
    )
    engine = scripted_engine(shared_market_dir, script)
    sink = RecordingSink()
    await engine.run(request("ETH outlook on 4h", max_turns=5), sink)
    report = sink.events[-1]
    assert isinstance(report, Report)
    called = sink.of_type(ToolCalled)
    assert [c.tool_name for c in called] == ["compute_indicators", "assess_outlook"]
    (outlook,) = report.outlook
    assert (outlook.symbol, outlook.timeframe) == ("ETH", "4h")
    by_name = {s.name: s for s in outlook.signals}
    assert (by_name["rsi"].tool_name, by_name["rsi"].call_id) == (
        "compute_indicators",
        called[0].call_id,
    )
    assert report.answer_kind == "answered"
    (finished,) = [f for f in sink.of_type(ToolFinished) if f.tool_name == "assess_outlook"]
    assert f"ETH 4h outlook at {outlook.price:,.2f}: {outlook.bias}" in finished.result_preview
