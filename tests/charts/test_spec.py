from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from cryptodesk.analysis.indicators import compute
from cryptodesk.analysis.levels import find_levels
from cryptodesk.charts.spec import ChartSpec, build_chart_spec
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
