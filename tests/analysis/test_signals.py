from __future__ import annotations

import numpy as np

from cryptodesk.analysis import indicators
from cryptodesk.analysis.momentum import momentum
from cryptodesk.analysis.signals import (
    annualized_volatility_pct,
    max_drawdown,
    stochastic_reading,
    total_return_pct,
    trend_strength,
    volatility,
    volume_reading,
)
from cryptodesk.analysis.trend import trend
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


def test_trend_strength_reads_a_steady_rise_as_strong_with_bulls_leading() -> None:
    close = np.linspace(100.0, 200.0, 120)
    lines = indicators.adx(close + 1, close - 1, close)
    result = trend_strength(lines)
    assert result.strength == "strong" and result.lead == "bulls"
    assert result.adx == indicators.last_value(lines.adx)


def test_trend_strength_is_undetermined_while_adx_warms_up() -> None:
    close = np.linspace(100.0, 90.0, 20)
    result = trend_strength(indicators.adx(close + 1, close - 1, close))
    assert (result.adx, result.strength) == (None, "undetermined")
    assert result.lead == "bears"


def test_stochastic_reading_is_overbought_at_the_top_of_the_range() -> None:
    close = np.linspace(100.0, 150.0, 60)
    reading = stochastic_reading(indicators.stochastic(close + 0.5, close - 0.5, close))
    assert reading.zone == "overbought"
    assert reading.k is not None and reading.k >= 80


def test_volume_reading_follows_obv_and_price_against_vwap(btc_1h: Ohlcv) -> None:
    series = btc_1h.tail(200)
    lines = indicators.compute(series, ["obv", "vwap"])
    reading = volume_reading(series.close, lines["obv"], lines["vwap"])
    rising = lines["obv"][-1] > lines["obv"][-11]
    assert reading.obv_direction == ("rising" if rising else "falling")
    assert reading.vwap == lines["vwap"][-1]
    assert reading.vs_vwap_pct == (series.close[-1] / lines["vwap"][-1] - 1) * 100


def test_volume_reading_without_lines_is_undetermined() -> None:
    reading = volume_reading(np.array([1.0, 2.0]), None, None)
    assert (reading.obv, reading.obv_direction, reading.vwap) == (None, "undetermined", None)
