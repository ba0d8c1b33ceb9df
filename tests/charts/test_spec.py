from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from cryptodesk.analysis.indicators import compute
from cryptodesk.analysis.levels import find_levels
from cryptodesk.analysis.patterns import detect
from cryptodesk.charts.spec import ChartSpec, build_chart_spec, pattern_marker
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.schemas import Candle, Candles


async def test_chart_spec_carries_candles_lines_panes_and_levels(shared_market_dir: Path) -> None:
    candles = await ReplayProvider(shared_market_dir / "binance_spot_1h").get_ohlc(
        "bitcoin", "1h", 250
    )
    series = Ohlcv.from_candles(candles)
    lines = compute(series, ["sma50", "bollinger", "rsi14", "macd"])
    levels = find_levels(series.high, series.low, series.close)
    spec = build_chart_spec(candles, lines, levels)
    assert (spec.symbol, spec.interval, spec.simulated) == ("BTC", "1h", False)
    assert spec.source == candles.source and spec.as_of == candles.as_of
    assert spec.candles[0].time == int(candles.candles[0].time.timestamp())
    assert [o.name for o in spec.overlays] == ["SMA50", "BB upper", "BB middle", "BB lower"]
    sma = spec.overlays[0]
    assert len(sma.values) == 250 - 49  # warm-up rows are left out, not drawn as zeros
    assert sma.values[-1].value == float(lines["sma50"][-1])
    panes = {pane.name: pane for pane in spec.panes}
    assert set(panes) == {"RSI14", "MACD"}
    assert panes["RSI14"].guides == (30.0, 70.0)
    assert [s.style for s in panes["MACD"].series] == ["line", "line", "histogram"]
    assert len(spec.levels) == len(levels)
    assert all(m.text.startswith("MACD") for m in spec.markers)
    assert ChartSpec.model_validate_json(spec.model_dump_json()) == spec


async def test_chart_spec_title_says_simulated_for_demo_data() -> None:
    candles = await DemoProvider(7).get_ohlc("ethereum", "4h", 30)
    spec = build_chart_spec(candles, {})
    assert spec.simulated and "simulated" in spec.title
    assert spec.overlays == () and spec.panes == ()


def test_chart_spec_rejects_misaligned_lines() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    candle = Candle(time=now, open=1, high=2, low=0.5, close=1.5, volume=3)
    candles = Candles(
        coin_id="bitcoin",
        symbol="BTC",
        timeframe="1h",
        candles=(candle,),
        source="test",
        as_of=now,
        simulated=False,
    )
    with pytest.raises(ValueError, match="3 values for 1"):
        build_chart_spec(candles, {"sma50": np.ones(3)})


async def test_chart_spec_adds_panes_and_overlay_of_the_new_indicators(
    shared_market_dir: Path,
) -> None:
    candles = await ReplayProvider(shared_market_dir / "binance_spot_1h").get_ohlc(
        "ethereum", "1h", 200
    )
    lines = compute(Ohlcv.from_candles(candles), ["vwap", "adx", "stoch", "obv"])
    spec = build_chart_spec(candles, lines)
    assert [o.name for o in spec.overlays] == ["VWAP"]
    panes = {pane.name: pane for pane in spec.panes}
    assert list(panes) == ["Stochastic", "ADX14", "OBV"]
    assert [s.name for s in panes["ADX14"].series] == ["ADX14", "+DI14", "-DI14"]
    assert [s.name for s in panes["Stochastic"].series] == ["Stoch %K", "Stoch %D"]
    assert panes["Stochastic"].guides == (20.0, 80.0)
    assert len(panes["OBV"].series[0].values) == 200  # OBV has no warm-up


async def test_chart_spec_marks_patterns_by_bias_in_time_order(shared_market_dir: Path) -> None:
    candles = await ReplayProvider(shared_market_dir / "binance_spot_1h").get_ohlc(
        "bitcoin", "1h", 300
    )
    series = Ohlcv.from_candles(candles)
    hits = detect(series, 20)
    spec = build_chart_spec(candles, compute(series, ["macd"]), patterns=hits)
    times = [m.time for m in spec.markers]
    assert times == sorted(times)
    by_text = [m for m in spec.markers if not m.text.startswith("MACD")]
    assert [(m.time, m.text) for m in by_text] == [(h.time, h.label) for h in hits]
    shapes = {h.bias: pattern_marker(h).shape for h in hits}
    assert shapes == {"bullish": "arrow_up", "bearish": "arrow_down", "neutral": "circle"}
    assert all(pattern_marker(h).position == "below" for h in hits if h.bias == "bullish")
