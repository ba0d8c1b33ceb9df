from __future__ import annotations

import asyncio

import pytest

from cryptodesk.analysis.indicators import DEFAULT_INDICATORS
from cryptodesk.charts.spec import MAX_PATTERN_MARKERS
from cryptodesk.domain import format as fmt
from cryptodesk.domain.events import AgentStep, ChartCreated, Report, ToolCalled, ToolFinished
from cryptodesk.engines.base import HistoryMessage, RunRequest
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.engines.offline.report import SIMULATED_LABEL
from cryptodesk.market.schemas import Candles, PriceQuote, Timeframe
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.comparison import CompareResult
from cryptodesk.tools.technical import PatternsResult
from tests.engines.checks import breadth_numbers, check_event_sequence, unexplained_numbers
from tests.engines.conftest import Desk
from tests.fakes import MemoryChartStore, RecordingSink

ROSTER = {
    "Orchestrator": "🧭",
    "CryptoMarketAnalyst": "📊",
    "TechnicalAnalyst": "📈",
    "ChartingAgent": "🖼️",
    "ExchangeAnalyst": "🏦",
    "ReportWriter": "📝",
}


def _request(
    question: str, max_turns: int = 15, history: tuple[HistoryMessage, ...] = ()
) -> RunRequest:
    return RunRequest("run-1", "conv-1", question, history, max_turns)


async def _run(
    desk: Desk, question: str, max_turns: int = 15, history: tuple[HistoryMessage, ...] = ()
) -> tuple[RecordingSink, Report]:
    sink = RecordingSink()
    await desk.engine.run(_request(question, max_turns, history), sink)
    return sink, check_event_sequence(sink.events, max_turns)


def _errors(sink: RecordingSink) -> list[str]:
    return [e.error for e in sink.of_type(ToolFinished) if e.error]


async def test_offline_technical_question_runs_the_roster_and_reports(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "Analyze ETH on the 4h chart")
    assert report.agents_used == (
        "Orchestrator",
        "CryptoMarketAnalyst",
        "TechnicalAnalyst",
        "ChartingAgent",
        "ReportWriter",
    )
    assert all(ROSTER[s.agent] == s.emoji for s in sink.of_type(AgentStep))
    assert {c.tool_name for c in sink.of_type(ToolCalled)} == {
        "get_crypto_price",
        "compute_indicators",
        "find_key_levels",
        "detect_patterns",
        "assess_outlook",
        "create_chart",
    }
    assert all(f.success for f in sink.of_type(ToolFinished))
    assert report.engine == "offline"
    assert report.charts == tuple(c.chart_id for c in sink.of_type(ChartCreated))
    assert len(report.charts) == 1 and report.charts[0] in replay_desk.charts.specs
    assert report.data_labels == ("replay",)
    assert "Replayed historical data" in report.content
    assert "## Data" in report.content and "replay:ETH_USDT_1h.csv" in report.content
    assert "| RSI14 |" in report.content and "### Key levels" in report.content
    assert "CRYPTODESK_LLM_PROVIDER" in report.content and "Ollama" in report.content


SUITE = (
    "Analyze ETH on the 4h chart",
    "ETH ADX, stochastic, OBV and VWAP on the 1h chart",
    "Any candlestick patterns on BTC daily?",
    "Compare SOL and AVAX this month",
    "What is the price of Bitcoin?",
    "How is the market today?",
    "Should I buy DOGE now?",
    "Is BTC overbought?",
    "Find support and resistance for BTC 1d",
    "Compare BTC, ETH and SOL over the last 7 days",
    "What happened to BTC in April 2026?",
    "Is 1500 a good entry for ETH?",
)


async def test_offline_reports_pass_the_grounding_check_with_zero_unmatched(
    replay_desk: Desk, demo_desk: Desk, bitget_desk: Desk
) -> None:
    """The production check (`engines.grounding`) on the offline analyst's reports: every
    figure comes from a tool result, equal after the rounding shown or derived from two."""
    exchange = ("Show the BTC order book and funding rate", "What are my balances and orders?")
    for desk, questions in (
        (replay_desk, SUITE),
        (demo_desk, ("Analyze BTC", "Market overview")),
        (bitget_desk, exchange),
    ):
        for question in questions:
            _, report = await _run(desk, question)
            assert report.grounding is not None, question
            assert report.grounding.unmatched == [], (question, report.grounding.unmatched)
            assert report.grounding.checked == report.grounding.matched > 0, question


async def test_offline_report_numbers_all_come_from_tool_results(replay_desk: Desk) -> None:
    for question in SUITE:
        replay_desk.results.clear()
        sink, report = await _run(replay_desk, question)
        assert replay_desk.results, question
        derived = breadth_numbers(replay_desk.results)
        unexplained = unexplained_numbers(
            report.content, replay_desk.results, _errors(sink), derived
        )
        assert unexplained == [], question


async def test_offline_demo_data_is_labelled_simulated(demo_desk: Desk) -> None:
    sink, report = await _run(demo_desk, "Analyze BTC")
    assert report.data_labels == ("simulated",)
    assert SIMULATED_LABEL in report.content
    assert all("SIMULATED" in f.result_preview for f in sink.of_type(ToolFinished))
    assert unexplained_numbers(report.content, demo_desk.results, []) == []


async def test_offline_comparison_compares_the_coins(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "Compare SOL and AVAX this month")
    compare = [c for c in sink.of_type(ToolCalled) if c.tool_name == "compare_assets"]
    assert len(compare) == 1
    assert compare[0].arguments["coins"] == ["solana", "avalanche-2"]
    assert compare[0].arguments["period"] == "30d"
    assert "## Comparison over 30d" in report.content
    assert "Correlation of returns" in report.content
    # The bottom line weighs the pair with the tool's own figures.
    (result,) = [r for r in replay_desk.results if isinstance(r, CompareResult)]
    sol, avax = sorted(result.assets, key=lambda a: a.symbol != "SOL")
    assert sol.return_pct > avax.return_pct
    assert (
        f"SOL beat AVAX with lower volatility ({fmt.number(sol.volatility_pct or 0)}% vs "
        f"{fmt.number(avax.volatility_pct or 0)}% annualised)" in report.bottom_line
    )
    assert f"correlation of returns {fmt.number(result.correlation[0][1] or 0)}" in (
        report.bottom_line
    )


async def test_offline_unknown_coin_is_answered_once_with_the_closest_matches(
    replay_desk: Desk,
) -> None:
    sink, report = await _run(replay_desk, "What is the price of ETHERIUM?")
    assert not sink.of_type(ToolCalled)  # no tool fails five times over
    assert report.answer_kind == "clarification"
    assert report.bottom_line == (
        "I don't know a coin called ETHERIUM in the replay data. Did you mean Ethereum (ETH)?"
    )
    assert report.content.startswith(report.bottom_line)
    assert "Coins available from the current market data source: ADA, AVAX" in report.content


async def test_offline_unknown_coin_beside_a_known_one_is_a_partial_answer(
    replay_desk: Desk,
) -> None:
    sink, report = await _run(replay_desk, "Price of BTC and FOOCOIN")
    assert [c.arguments["coin"] for c in sink.of_type(ToolCalled)] == ["bitcoin"]
    assert report.answer_kind == "partial"
    assert "I don't know a coin called FOOCOIN in the replay data." in report.bottom_line
    assert "## Missing data" in report.content


async def test_offline_coin_without_replay_data_is_not_asked_of_the_tools(
    replay_desk: Desk,
) -> None:
    sink, report = await _run(replay_desk, "Analyze TRX")
    assert not sink.of_type(ToolCalled)
    assert report.answer_kind == "clarification"
    assert report.bottom_line == "The replay data has no TRON (TRX) data."


async def test_offline_unsupported_timeframe_fails_the_tools_and_the_report_says_so(
    replay_desk: Desk,
) -> None:
    sink, report = await _run(replay_desk, "Analyze ETH on the 15m chart")
    failed = [f for f in sink.of_type(ToolFinished) if not f.success]
    assert {f.tool_name for f in failed} == {
        "compute_indicators",
        "find_key_levels",
        "detect_patterns",
        "assess_outlook",
        "create_chart",
    }
    assert all("timeframe '15m' is not supported" in (f.error or "") for f in failed)
    assert report.answer_kind == "partial"
    assert "timeframe '15m' is not supported" in report.content
    assert "## Prices" in report.content  # what could be found is still reported


async def test_offline_invalid_timeframe_is_a_failed_tool_call(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "Analyze BTC on the 3h chart")
    failed = [f for f in sink.of_type(ToolFinished) if not f.success]
    assert failed and all("invalid arguments" in (f.error or "") for f in failed)
    assert "could not run `compute_indicators`" in report.content


async def test_offline_asks_which_coin_when_none_is_named(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "How is it going?")
    assert not sink.of_type(ToolCalled)
    assert report.agents_used == ("Orchestrator",)
    assert "Which coin?" in report.content
    assert "BTC" in report.content and "ETH" in report.content
    assert report.data_labels == ()


async def test_offline_respects_max_turns_and_still_reports(replay_desk: Desk) -> None:
    _, report = await _run(replay_desk, "Analyze BTC and ETH", max_turns=3)
    assert report.agents_used == ("Orchestrator", "CryptoMarketAnalyst", "ReportWriter")
    assert "Turn limit reached" in report.content
    assert "## Prices" in report.content


async def test_offline_single_turn_budget_still_ends_with_a_report(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "Analyze BTC", max_turns=1)
    assert report.agents_used == ("Orchestrator",)
    assert not sink.of_type(ToolCalled)
    assert "Turn limit reached" in report.content


async def test_offline_is_deterministic(replay_desk: Desk) -> None:
    _, first = await _run(replay_desk, "Analyze SOL on the daily chart")
    _, second = await _run(replay_desk, "Analyze SOL on the daily chart")
    assert first.content == second.content


async def test_offline_follow_up_uses_the_coins_of_the_last_question(replay_desk: Desk) -> None:
    history = (HistoryMessage("user", "Analyze LINK"), HistoryMessage("assistant", "..."))
    sink, _ = await _run(replay_desk, "and on the daily?", history=history)
    calls = sink.of_type(ToolCalled)
    assert calls and all(c.arguments.get("coin") == "chainlink" for c in calls)
    assert {c.arguments.get("timeframe") for c in calls} - {None} == {"1d"}


async def test_offline_exchange_questions_without_an_exchange_say_the_data_is_missing(
    replay_desk: Desk,
) -> None:
    sink, report = await _run(replay_desk, "What is the BTC funding rate and order book?")
    assert "ExchangeAnalyst" in report.agents_used
    failed = {f.tool_name for f in sink.of_type(ToolFinished) if not f.success}
    assert failed == {"get_order_book", "get_funding_rate"}
    assert "## Missing data" in report.content
    assert "could not run `get_order_book` for BTC: no exchange configured" in report.content
    assert "## Order book" not in report.content and "## Funding" not in report.content


class _StuckMarket:
    name = "stuck"
    simulated = False

    async def get_price(self, coin_id: str) -> PriceQuote:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    def available_coins(self) -> tuple[str, ...]:
        return ("bitcoin",)

    async def aclose(self) -> None:
        return None


async def test_offline_run_can_be_cancelled() -> None:
    market = MarketDataService(_StuckMarket(), "replay", "stuck")
    engine = OfflineAnalyst(market, MemoryChartStore(), 60.0)
    sink = RecordingSink()
    task = asyncio.create_task(engine.run(_request("BTC price"), sink))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not sink.of_type(Report)


async def test_offline_technical_report_lists_the_candlestick_patterns(replay_desk: Desk) -> None:
    _, report = await _run(replay_desk, "Analyze BTC on the 1h chart")
    (found,) = [r for r in replay_desk.results if isinstance(r, PatternsResult)]
    assert found.patterns, "the replayed BTC 1h candles end with patterns"
    assert "### Candlestick patterns: BTC (1h)" in report.content
    latest = found.patterns[-1]
    on_latest = [p for p in found.patterns if p.bars_ago == latest.bars_ago]
    listed = ", ".join(f"{p.label} ({p.bias}, {p.strength:+d})" for p in on_latest)
    when = fmt.candles_ago(latest.bars_ago).capitalize()
    assert f"| {when} | {fmt.when(latest.time)} | {listed} |" in report.content
    candles = len({p.bars_ago for p in found.patterns})
    assert (
        f"{len(found.patterns)} patterns on {candles} of the last {found.lookback} candles"
        in report.content
    )
    assert "bars ago" not in report.content and "0 candles ago" not in report.content


async def test_offline_chart_marks_the_detected_patterns(replay_desk: Desk) -> None:
    _, report = await _run(replay_desk, "Analyze SOL")
    (found,) = [r for r in replay_desk.results if isinstance(r, PatternsResult)]
    spec = replay_desk.charts.specs[report.charts[0]]
    marked = [(m["time"], m["text"]) for m in spec["markers"] if "MACD" not in m["text"]]
    expected = [(int(p.time.timestamp()), p.label) for p in found.patterns]
    assert marked == expected[-MAX_PATTERN_MARKERS:]


async def test_offline_computes_the_indicators_the_question_names(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "ETH ADX, stochastic, OBV and VWAP on the 4h")
    calls = {c.tool_name: c.arguments for c in sink.of_type(ToolCalled)}
    for tool in ("compute_indicators", "create_chart"):
        asked = calls[tool]["indicators"]
        assert isinstance(asked, list), tool
        assert {"rsi14", "macd", "adx", "stoch", "obv", "vwap"} <= set(asked), tool
    for row in ("| ADX14 |", "| +DI14 |", "| Stoch %K |", "| OBV |", "| VWAP |"):
        assert row in report.content
    assert "**Trend strength:**" in report.content and "**Volume:**" in report.content


async def test_offline_reports_without_new_indicators_unless_asked(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "Analyze ETH on the 4h chart")
    (call,) = [c for c in sink.of_type(ToolCalled) if c.tool_name == "compute_indicators"]
    assert call.arguments["indicators"] == list(DEFAULT_INDICATORS)
    assert "| ADX14 |" not in report.content and "**Trend strength:**" not in report.content


async def test_offline_outlook_names_the_latest_price_past_its_invalidation(
    replay_desk: Desk,
) -> None:
    # In the replay files ETH's last 1h close (the price) stands above the resistance of the
    # last closed 4h candle, which invalidates the bearish outlook: the answer must say so
    # instead of reading as if the close were the price now.
    _, report = await _run(replay_desk, "Should I buy ETH now?")
    quote = await replay_desk.market.get_price("ethereum")
    (outlook,) = report.outlook
    assert outlook.bias == "bearish" and outlook.invalidation is not None
    assert quote.price_usd > outlook.invalidation
    assert (
        f"ETH on 4h, last close {fmt.price(outlook.price)} (now {fmt.price(quote.price_usd)})"
        in report.bottom_line
    )
    assert report.bottom_line.endswith(
        f"The price now, {fmt.price(quote.price_usd)}, is already above "
        f"{fmt.price(outlook.invalidation)}: a 4h close there would invalidate the bearish view."
    )
    assert "view is wrong on" not in report.bottom_line
