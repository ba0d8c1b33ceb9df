from __future__ import annotations

import numpy as np

from cryptodesk.analysis import indicators
from cryptodesk.analysis.signals import (
    annualized_volatility_pct,
    max_drawdown,
    momentum,
    total_return_pct,
    trend,
    volatility,
)
from cryptodesk.market.ohlcv import Ohlcv


def test_trend_is_up_for_a_rising_series() -> None:
    close = np.linspace(100.0, 200.0, 300)
    result = trend(close, indicators.sma(close, 50), indicators.sma(close, 200))
    assert result.direction == "uptrend"
    assert result.vs_sma50_pct is not None and result.vs_sma50_pct > 0
    assert result.sma50_slope_pct is not None and result.sma50_slope_pct > 0


def test_trend_is_down_for_a_falling_series() -> None:
    close = np.linspace(200.0, 100.0, 300)
    result = trend(close, indicators.sma(close, 50), indicators.sma(close, 200))
    assert result.direction == "downtrend"


def test_trend_is_undetermined_without_enough_candles() -> None:
    close = np.linspace(100.0, 110.0, 20)
    result = trend(close, indicators.sma(close, 50), indicators.sma(close, 200))
    assert result.direction == "undetermined"
    assert result.sma50 is None and result.vs_sma200_pct is None


def test_momentum_reads_rsi_zone_and_macd_cross() -> None:
    close = np.concatenate((np.linspace(200.0, 100.0, 80), np.linspace(100.0, 140.0, 6)))
    result = momentum(indicators.rsi(close), indicators.macd(close))
    assert result.rsi is not None and result.rsi > 70
    assert result.rsi_zone == "overbought"
    assert result.macd_cross == "bullish"
    assert result.cross_bars_ago == 5


def test_max_drawdown_finds_the_largest_fall_from_a_peak() -> None:
    close = np.array([100.0, 120.0, 90.0, 110.0, 60.0, 130.0])
    result = max_drawdown(close)
    assert result.max_drawdown_pct == -50.0
    assert (result.peak_index, result.trough_index) == (1, 4)


def test_total_return_compares_last_with_first_close() -> None:
    assert total_return_pct(np.array([50.0, 70.0, 75.0])) == 50.0


def test_volatility_of_real_btc_is_plausible(btc_1h: Ohlcv) -> None:
    atr = indicators.atr(btc_1h.high, btc_1h.low, btc_1h.close)
    result = volatility(btc_1h.close, atr, 3600)
    assert result.atr_pct is not None and 0.05 < result.atr_pct < 5
    assert result.annualized_pct is not None and 10 < result.annualized_pct < 200


def test_annualized_volatility_is_none_for_a_single_return() -> None:
    assert annualized_volatility_pct(np.array([1.0, 2.0]), 3600) is None
