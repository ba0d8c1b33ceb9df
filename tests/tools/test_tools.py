from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from cryptodesk.analysis import indicators
from cryptodesk.analysis.indicators import IndicatorName
from cryptodesk.analysis.patterns import detect
from cryptodesk.charts.spec import MAX_PATTERN_MARKERS
from cryptodesk.domain import format as fmt
from cryptodesk.errors import BadRangeError, CoinNotFoundError, ToolError
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.provider import MarketDataProvider
from cryptodesk.market.schemas import Candles, PriceQuote, Timeframe
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.charts import ChartResult
from cryptodesk.tools.comparison import CompareResult
from cryptodesk.tools.market import OhlcResult, PriceResult
from cryptodesk.tools.registry import build_registry
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult, PatternsResult
from tests.fakes import MemoryChartStore

REGISTRY = build_registry()
NEW_INDICATORS: list[IndicatorName] = ["adx", "stoch", "obv", "vwap"]


async def test_get_crypto_price_returns_the_quote_with_its_source(context: ToolContext) -> None:
    result = await REGISTRY.get("get_crypto_price").invoke(context, {"coin": "BTC"})
    assert isinstance(result, PriceResult)
    assert result.quote.coin_id == "bitcoin"
    assert "replay:BTC_USDT_1h.csv" in result.preview()
    assert len(result.preview()) <= 500


async def test_get_ohlc_returns_limit_candles(context: ToolContext) -> None:
    result = await REGISTRY.get("get_ohlc").invoke(
        context, {"coin": "eth", "timeframe": "1h", "limit": 24}
    )
    assert isinstance(result, OhlcResult)
    assert len(result.candles) == 24
    assert result.as_of == result.candles[-1].time + timedelta(hours=1)


async def test_get_ohlc_rejects_more_than_1000_candles(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="limit"):
        await REGISTRY.get("get_ohlc").invoke(context, {"coin": "eth", "limit": 1001})


async def test_compute_indicators_match_talib_on_the_same_candles(context: ToolContext) -> None:
    args = {"coin": "solana", "timeframe": "4h", "limit": 300, "indicators": ["rsi14", "sma50"]}
    result = await REGISTRY.get("compute_indicators").invoke(context, args)
    assert isinstance(result, IndicatorsResult)
    candles = await context.market.get_ohlc("solana", "4h", 300)
    close = Ohlcv.from_candles(candles).close
    assert result.latest == {
        "rsi14": indicators.last_value(indicators.rsi(close)),
        "sma50": indicators.last_value(indicators.sma(close, 50)),
    }
    assert result.close == close[-1]
    assert result.trend.sma200 == indicators.last_value(indicators.sma(close, 200))


async def test_find_key_levels_brackets_the_last_close(context: ToolContext) -> None:
    result = await REGISTRY.get("find_key_levels").invoke(context, {"coin": "BTC"})
    assert isinstance(result, LevelsResult)
    assert result.levels
    for level in result.levels:
        assert (level.price < result.close) == (level.kind == "support")
        assert level.last_touch <= result.as_of


async def test_compare_assets_compares_on_common_candles(context: ToolContext) -> None:
    args = {"coins": ["SOL", "avalanche", "sol"], "timeframe": "1d", "period": "30d"}
    result = await REGISTRY.get("compare_assets").invoke(context, args)
    assert isinstance(result, CompareResult)
    assert [a.symbol for a in result.assets] == ["SOL", "AVAX"]
    assert result.candles == 31
    assert {s.symbol for s in result.sources} == {"SOL", "AVAX"}


async def test_compare_assets_needs_two_different_coins(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="two different coins"):
        await REGISTRY.get("compare_assets").invoke(context, {"coins": ["BTC", "bitcoin"]})


async def test_compare_assets_rejects_a_period_too_long_for_the_timeframe(
    context: ToolContext,
) -> None:
    with pytest.raises(BadRangeError, match="coarser timeframe"):
        await REGISTRY.get("compare_assets").invoke(
            context, {"coins": ["BTC", "ETH"], "timeframe": "5m", "period": "1y"}
        )


async def test_create_chart_stores_the_spec_and_reports_the_chart(
    context: ToolContext, charts: MemoryChartStore
) -> None:
    result = await REGISTRY.get("create_chart").invoke(
        context, {"coin": "ETH", "timeframe": "4h", "limit": 120}
    )
    assert isinstance(result, ChartResult)
    spec = charts.specs[result.chart_id]
    assert spec["symbol"] == "ETH" and spec["interval"] == "4h"
    assert len(spec["candles"]) == result.candles == 120
    assert isinstance(spec["candles"][0]["time"], int)
    assert {line["name"] for line in spec["overlays"]} >= {"SMA50", "BB upper"}
    assert {pane["name"] for pane in spec["panes"]} == {"RSI14", "MACD"}
    assert len(spec["levels"]) == result.levels
    (event,) = result.events()
    assert event.chart_id == result.chart_id


async def test_tools_report_unknown_coins(context: ToolContext) -> None:
    with pytest.raises(CoinNotFoundError):
        await REGISTRY.get("compute_indicators").invoke(context, {"coin": "FOOCOIN"})


async def test_tool_previews_say_simulated_for_demo_data(
    demo_market: MarketDataService, charts: MemoryChartStore
) -> None:
    context = ToolContext(demo_market, charts, "run-1", "conv-1")
    for name, args in (
        ("get_crypto_price", {"coin": "BTC"}),
        ("get_ohlc", {"coin": "BTC"}),
        ("compute_indicators", {"coin": "BTC"}),
        ("find_key_levels", {"coin": "BTC"}),
        ("detect_patterns", {"coin": "BTC"}),
        ("compare_assets", {"coins": ["BTC", "ETH"]}),
        ("create_chart", {"coin": "BTC"}),
    ):
        result = await REGISTRY.get(name).invoke(context, args)
        assert result.simulated, name
        assert "SIMULATED" in result.preview(), name
        assert len(result.preview()) <= 500, name


async def test_candle_tool_previews_lead_with_fallback_and_stale_labels(
    demo_market: MarketDataService, charts: MemoryChartStore
) -> None:
    """Like the price and chart previews, the label comes first, so clipping never drops it."""
    context = ToolContext(demo_market, charts, "run-1", "conv-1")
    for name in ("compute_indicators", "find_key_levels", "detect_patterns"):
        result = await REGISTRY.get(name).invoke(context, {"coin": "BTC"})
        fallback = result.model_copy(update={"fallback": True}).preview()
        assert fallback.startswith(
            "⚠️ SIMULATED demo data: FALLBACK (live source unreachable): BTC 4h"
        ), name
        stale = result.model_copy(update={"stale": True, "age_s": 42.0}).preview()
        assert stale.startswith("⚠️ SIMULATED demo data: STALE (age 42 s): BTC 4h"), name
        assert fallback.endswith("UTC") and len(fallback) <= 500, name


class _CountingProvider:
    def __init__(self, inner: MarketDataProvider) -> None:
        self.inner = inner
        self.ohlc_calls = 0

    @property
    def name(self) -> str:
        return "counting"

    @property
    def simulated(self) -> bool:
        return False

    async def get_price(self, coin_id: str) -> PriceQuote:
        return await self.inner.get_price(coin_id)

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles:
        self.ohlc_calls += 1
        return await self.inner.get_ohlc(coin_id, timeframe, limit)

    def available_coins(self) -> tuple[str, ...]:
        return self.inner.available_coins()

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_tools_of_one_run_fetch_candles_once(
    replay_market: MarketDataService, charts: MemoryChartStore
) -> None:
    provider = _CountingProvider(replay_market.provider)
    context = ToolContext(MarketDataService(provider, "replay", "x"), charts, "run-1", "conv-1")
    args = {"coin": "BTC", "timeframe": "4h", "limit": 300}
    for name in ("compute_indicators", "find_key_levels", "create_chart"):
        await REGISTRY.get(name).invoke(context, args)
    assert provider.ohlc_calls == 1
    first = context.memo.lines(
        await context.memo.candles(context.market, "BTC", "4h", 300), ["sma50"]
    )["sma50"]
    again = context.memo.lines(
        await context.memo.candles(context.market, "BTC", "4h", 300), ["sma50"]
    )["sma50"]
    assert first is again
    assert not np.isnan(first[-1])


async def test_compute_indicators_accepts_adx_stoch_obv_and_vwap(context: ToolContext) -> None:
    args = {"coin": "ETH", "timeframe": "1h", "limit": 300, "indicators": NEW_INDICATORS}
    result = await REGISTRY.get("compute_indicators").invoke(context, args)
    assert isinstance(result, IndicatorsResult)
    series = Ohlcv.from_candles(await context.market.get_ohlc("ETH", "1h", 300))
    lines = indicators.compute(series, NEW_INDICATORS)
    assert result.latest == {name: indicators.last_value(v) for name, v in lines.items()}
    assert result.trend_strength is not None and result.trend_strength.adx == result.latest["adx"]
    assert result.stochastic is not None and result.stochastic.k == result.latest["stoch_k"]
    assert result.volume is not None and result.volume.vwap == result.latest["vwap"]


async def test_compute_indicators_keeps_the_full_lines_for_charts(context: ToolContext) -> None:
    args = {"coin": "ETH", "timeframe": "4h", "limit": 120, "indicators": ["adx", "vwap"]}
    result = await REGISTRY.get("compute_indicators").invoke(context, args)
    assert isinstance(result, IndicatorsResult)
    assert len(result.lines.time) == 120
    assert set(result.lines.values) == {"adx", "plus_di", "minus_di", "vwap"}
    adx = result.lines.values["adx"]
    assert len(adx) == 120 and adx[26] is None and adx[-1] == result.latest["adx"]


async def test_compute_indicators_summary_stays_compact_with_every_indicator(
    context: ToolContext,
) -> None:
    args = {"coin": "BTC", "timeframe": "1h", "indicators": list(indicators.INDICATORS)}
    result = await REGISTRY.get("compute_indicators").invoke(context, args)
    summary = result.summary()
    assert len(summary) <= 500 and not summary.endswith("…")
    assert "more" in summary  # values that do not fit are counted, not cut mid-word
    assert summary.endswith(f"as of {fmt.when(result.as_of)}")
    assert "ADX14" in summary and "OBV" in summary


async def test_detect_patterns_reports_talib_patterns_of_recent_candles(
    context: ToolContext,
) -> None:
    args = {"coin": "BTC", "timeframe": "1h", "lookback": 48, "limit": 300}
    result = await REGISTRY.get("detect_patterns").invoke(context, args)
    assert isinstance(result, PatternsResult)
    series = Ohlcv.from_candles(await context.market.get_ohlc("BTC", "1h", 300))
    hits = detect(series, 48)
    assert [(p.pattern, p.strength, p.bars_ago) for p in result.patterns] == [
        (h.pattern, h.strength, 299 - h.index) for h in hits
    ]
    assert result.bullish + result.bearish + result.neutral == len(hits) > 0
    assert all(p.time <= result.as_of for p in result.patterns)
    assert len(result.preview()) <= 500 and "candlestick patterns" in result.preview()


async def test_detect_patterns_rejects_a_lookback_beyond_the_candles(context: ToolContext) -> None:
    with pytest.raises(ToolError, match="lookback 100 exceeds limit 50"):
        await REGISTRY.get("detect_patterns").invoke(
            context, {"coin": "BTC", "lookback": 100, "limit": 50}
        )


async def test_create_chart_marks_detected_patterns(
    context: ToolContext, charts: MemoryChartStore
) -> None:
    args = {"coin": "BTC", "timeframe": "1h", "limit": 300, "pattern_lookback": 20}
    result = await REGISTRY.get("create_chart").invoke(context, args)
    assert isinstance(result, ChartResult)
    series = Ohlcv.from_candles(await context.market.get_ohlc("BTC", "1h", 300))
    hits = detect(series, 20)
    assert 0 < len(hits) <= MAX_PATTERN_MARKERS
    marked = [m for m in charts.specs[result.chart_id]["markers"] if "MACD" not in m["text"]]
    assert [(m["time"], m["text"]) for m in marked] == [(h.time, h.label) for h in hits]
    assert result.patterns == len(hits)


async def test_create_chart_draws_panes_of_the_new_indicators(
    context: ToolContext, charts: MemoryChartStore
) -> None:
    args = {"coin": "ETH", "indicators": ["vwap", "adx", "stoch", "obv"], "pattern_lookback": 0}
    result = await REGISTRY.get("create_chart").invoke(context, args)
    spec = charts.specs[result.chart_id]
    assert [line["name"] for line in spec["overlays"]] == ["VWAP"]
    assert [pane["name"] for pane in spec["panes"]] == ["Stochastic", "ADX14", "OBV"]
    assert spec["markers"] == [] and result.patterns == 0


async def test_create_chart_keeps_only_the_most_recent_pattern_markers(
    context: ToolContext, charts: MemoryChartStore
) -> None:
    args = {"coin": "BTC", "timeframe": "1h", "limit": 300, "pattern_lookback": 200}
    result = await REGISTRY.get("create_chart").invoke(context, args)
    series = Ohlcv.from_candles(await context.market.get_ohlc("BTC", "1h", 300))
    hits = detect(series, 200)
    assert len(hits) > MAX_PATTERN_MARKERS
    marked = [m for m in charts.specs[result.chart_id]["markers"] if "MACD" not in m["text"]]
    recent = hits[-MAX_PATTERN_MARKERS:]
    assert [(m["time"], m["text"]) for m in marked] == [(h.time, h.label) for h in recent]
    assert result.patterns == MAX_PATTERN_MARKERS
