"""The tools behind the answers: outlook, comparison over a common window and its chart, price
history and quote currencies, on the real replayed candles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cryptodesk.analysis.levels import find_levels
from cryptodesk.errors import BadRangeError, DataUnavailableError, ToolError
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.charts import ChartResult
from cryptodesk.tools.comparison import CompareResult
from cryptodesk.tools.history import HistoryResult
from cryptodesk.tools.invoker import ToolInvoker
from cryptodesk.tools.outlook import OutlookResult
from cryptodesk.tools.registry import build_registry
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult
from tests.fakes import MemoryChartStore, RecordingSink

REGISTRY = build_registry()


async def test_outlook_signals_cite_the_runs_compute_indicators_call(context: ToolContext) -> None:
    invoker = ToolInvoker(REGISTRY, context, RecordingSink(), 10.0)
    args = {"coin": "ETH", "timeframe": "4h", "limit": 300}
    indicators = await invoker.call("TechnicalAnalyst", "compute_indicators", args)
    levels = await invoker.call("TechnicalAnalyst", "find_key_levels", args)
    outlook = await invoker.call("TechnicalAnalyst", "assess_outlook", args)
    assert isinstance(indicators.result, IndicatorsResult)
    assert isinstance(levels.result, LevelsResult)
    assert isinstance(outlook.result, OutlookResult)
    o = outlook.result.outlook
    by_name = {s.name: s for s in o.signals}
    for name in ("trend", "rsi", "macd"):
        assert (by_name[name].tool_name, by_name[name].call_id) == (
            "compute_indicators",
            indicators.call_id,
        )
    # Values equal the compute_indicators result's: the same snapshot, the same numbers.
    ta = indicators.result
    assert o.price == ta.close and o.as_of == ta.as_of
    assert by_name["trend"].value == ta.trend.return_pct == ta.return_pct
    assert by_name["rsi"].value == ta.momentum.rsi
    assert by_name["macd"].value == ta.momentum.macd_hist
    found = {lv.price for lv in levels.result.levels}
    assert o.support in found and o.resistance in found
    # The neighbouring timeframes were read by this call itself.
    assert (by_name["confluence"].tool_name, by_name["confluence"].call_id) == (
        "assess_outlook",
        outlook.call_id,
    )
    assert outlook.result.higher is not None and outlook.result.higher.timeframe == "1d"
    assert outlook.result.lower is not None and outlook.result.lower.timeframe == "1h"


async def test_outlook_without_earlier_calls_cites_itself(context: ToolContext) -> None:
    invoker = ToolInvoker(REGISTRY, context, RecordingSink(), 10.0)
    outcome = await invoker.call("TechnicalAnalyst", "assess_outlook", {"coin": "SOL"})
    assert isinstance(outcome.result, OutlookResult)
    assert {(s.tool_name, s.call_id) for s in outcome.result.outlook.signals} == {
        ("assess_outlook", outcome.call_id)
    }
    assert outcome.result.outlook.data_labels == ["replay"]
    assert len(outcome.preview) <= 500 and "outlook at" in outcome.preview


async def test_outlook_on_a_timeframe_the_source_lacks_below_says_so(context: ToolContext) -> None:
    result = await REGISTRY.get("assess_outlook").invoke(
        context, {"coin": "BTC", "timeframe": "1h"}
    )
    assert isinstance(result, OutlookResult)
    assert result.lower is not None and result.lower.direction == "undetermined"
    assert result.lower.note == "not served by this source"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"entry_low": 10.0}, "give both entry_low and entry_high"),
        ({"entry_low": 12.0, "entry_high": 10.0}, "entry_low must not exceed entry_high"),
        ({"limit": 30}, "limit"),
    ],
)
async def test_outlook_rejects_bad_arguments(
    context: ToolContext, arguments: dict[str, object], problem: str
) -> None:
    with pytest.raises(ToolError, match=problem):
        await REGISTRY.get("assess_outlook").invoke(context, {"coin": "BTC", **arguments})


async def test_outlook_levels_equal_the_level_finder_on_the_same_candles(
    context: ToolContext, replay_market: MarketDataService
) -> None:
    result = await REGISTRY.get("assess_outlook").invoke(context, {"coin": "DOGE", "limit": 300})
    assert isinstance(result, OutlookResult)
    series = Ohlcv.from_candles(await replay_market.get_ohlc("dogecoin", "4h", 300))
    expected = find_levels(series.high, series.low, series.close)
    shown = {(lv.kind, lv.price, lv.touches) for lv in result.outlook.levels}
    assert {(lv.kind, lv.price, lv.touches) for lv in expected} <= shown


async def test_compare_over_7_days_uses_the_window_btc_shares_and_says_so(
    context: ToolContext,
) -> None:
    """BTC's replay file ends 9 days before the others: the comparison is measured over the 7
    days before BTC's end, not failed with '0 candles in common'."""
    result = await REGISTRY.get("compare_assets").invoke(
        context, {"coins": ["BTC", "ETH", "SOL"], "timeframe": "1h", "period": "7d"}
    )
    assert isinstance(result, CompareResult)
    assert result.candles == 7 * 24 + 1 and result.note is None
    (lag,) = result.lagging
    assert lag.symbol == "BTC" and lag.behind_s == (9 * 24 + 17) * 3600
    assert result.end == lag.last_candle
    assert "BTC data ends 9d 17h before the others" in result.preview()


async def test_compare_without_common_candles_explains_it(
    shared_market_dir: Path, tmp_path: Path
) -> None:
    """Files that end further apart than the longest fetch share no candle at all."""
    for symbol, rows in (("BTC", slice(0, 201)), ("ETH", slice(-200, None))):
        source = shared_market_dir / "binance_spot_1h" / f"{symbol}_USDT_1h.csv"
        lines = source.read_text(encoding="utf-8").splitlines()
        body = lines[1:][rows]
        (tmp_path / source.name).write_text("\n".join([lines[0], *body]) + "\n", "utf-8")
    market = MarketDataService(ReplayProvider(tmp_path), "replay", "test")
    context = ToolContext(market, MemoryChartStore(), "r", "c")
    result = await REGISTRY.get("compare_assets").invoke(
        context, {"coins": ["BTC", "ETH"], "timeframe": "1h", "period": "7d"}
    )
    assert isinstance(result, CompareResult)
    assert result.start is None and result.assets == () and result.best is None
    assert result.note == (
        "BTC, ETH share 0 candles in the window; at least 3 are needed to compare them"
    )
    assert [lag.symbol for lag in result.lagging] == ["BTC"]
    with pytest.raises(BadRangeError, match="share no candles to chart"):
        await REGISTRY.get("create_comparison_chart").invoke(
            context, {"coins": ["BTC", "ETH"], "timeframe": "1h", "period": "7d"}
        )


async def test_comparison_chart_draws_percent_change_and_ratio(
    context: ToolContext, charts: MemoryChartStore
) -> None:
    args = {"coins": ["SOL", "AVAX"], "timeframe": "4h", "period": "30d"}
    compared = await REGISTRY.get("compare_assets").invoke(context, args)
    result = await REGISTRY.get("create_comparison_chart").invoke(context, args)
    assert isinstance(result, ChartResult) and isinstance(compared, CompareResult)
    assert result.kind == "comparison" and result.candles == compared.candles
    spec = charts.specs[result.chart_id]
    assert spec["kind"] == "comparison" and spec["candles"] == []
    sol, avax = spec["overlays"]
    assert (sol["name"], avax["name"]) == ("SOL", "AVAX")
    assert sol["values"][0]["value"] == 0.0
    # The last point of each line is the comparison's return over the same window.
    assert sol["values"][-1]["value"] == pytest.approx(compared.assets[0].return_pct)
    assert avax["values"][-1]["value"] == pytest.approx(compared.assets[1].return_pct)
    (pane,) = spec["panes"]
    assert pane["name"] == "Ratio SOL/AVAX"
    first = pane["series"][0]["values"][0]["value"]
    start = compared.assets[0].start_price / compared.assets[1].start_price
    assert first == pytest.approx(start)
    assert [e.chart_id for e in result.events()] == [result.chart_id]


async def test_history_of_a_window_the_replay_files_cover(context: ToolContext) -> None:
    args = {
        "coin": "BTC",
        "start": datetime(2025, 11, 1, tzinfo=UTC).isoformat(),
        "end": datetime(2025, 12, 1, tzinfo=UTC).isoformat(),
    }
    result = await REGISTRY.get("get_price_history").invoke(context, args)
    assert isinstance(result, HistoryResult)
    assert result.source == "replay:BTC_USDT_4h.csv"  # the 1h file starts later
    assert result.samples == 30 * 6
    assert result.start == datetime(2025, 11, 1, 4, tzinfo=UTC)  # close of the first candle
    assert result.low.price <= min(result.first, result.last) <= result.high.price
    assert result.change_pct == pytest.approx((result.last / result.first - 1) * 100)
    assert result.path[0].change_pct == 0.0 and len(result.path) == 8


async def test_history_outside_the_replay_files_says_what_they_cover(context: ToolContext) -> None:
    args = {"coin": "ETH", "start": "2022-05-01T00:00:00Z", "end": "2022-06-01T00:00:00Z"}
    with pytest.raises(DataUnavailableError, match="cover 2026-04-03 to 2026-07-02 only"):
        await REGISTRY.get("get_price_history").invoke(context, args)


async def test_history_over_a_period_reads_the_latest_candles(context: ToolContext) -> None:
    result = await REGISTRY.get("get_price_history").invoke(
        context, {"coin": "SOL", "period": "7d"}
    )
    assert isinstance(result, HistoryResult)
    assert result.samples == 7 * 24 + 1  # the opening price, then each hourly close
    assert (result.end - result.start).total_seconds() == 7 * 86_400
    assert result.end == result.as_of


async def test_history_in_the_demo_market_is_refused(demo_market: MarketDataService) -> None:
    context = ToolContext(demo_market, MemoryChartStore(), "r", "c")
    args = {"coin": "BTC", "start": "2022-05-01T00:00:00Z", "end": "2022-06-01T00:00:00Z"}
    with pytest.raises(DataUnavailableError, match="simulated: it has no real history"):
        await REGISTRY.get("get_price_history").invoke(context, args)


async def test_price_in_another_currency_is_refused_by_replay_data(context: ToolContext) -> None:
    with pytest.raises(DataUnavailableError, match="quotes prices in USD"):
        await REGISTRY.get("get_crypto_price").invoke(
            context, {"coin": "ETH", "vs_currency": "eur"}
        )
