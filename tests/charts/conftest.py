from __future__ import annotations

from pathlib import Path

import pytest

from cryptodesk.analysis.indicators import compute
from cryptodesk.analysis.levels import find_levels
from cryptodesk.analysis.patterns import detect
from cryptodesk.charts.spec import ChartSpec, build_chart_spec
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import ReplayProvider

FULL_CHART = ("sma50", "bollinger", "vwap", "rsi14", "macd", "stoch", "adx", "obv")


@pytest.fixture
async def replay_spec(shared_market_dir: Path) -> ChartSpec:
    """ETH 4h with every overlay, pane, level and pattern marker a chart can have."""
    candles = await ReplayProvider(shared_market_dir / "binance_spot_1h").get_ohlc(
        "ethereum", "4h", 200
    )
    series = Ohlcv.from_candles(candles)
    levels = find_levels(series.high, series.low, series.close)
    return build_chart_spec(
        candles, compute(series, FULL_CHART), levels, patterns=detect(series, 20)
    )


@pytest.fixture
async def demo_spec() -> ChartSpec:
    candles = await DemoProvider(7).get_ohlc("bitcoin", "1h", 60)
    return build_chart_spec(candles, compute(Ohlcv.from_candles(candles), ["rsi14"]))
