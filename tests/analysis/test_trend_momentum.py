from __future__ import annotations

import numpy as np

from cryptodesk.analysis import indicators
from cryptodesk.analysis.momentum import macd_reading, momentum
from cryptodesk.analysis.trend import trend
from cryptodesk.market.ohlcv import Ohlcv, resample


def _trend_of(close: np.ndarray) -> str:
    return trend(close, indicators.sma(close, 50), indicators.sma(close, 200)).direction


def test_trend_of_real_eth_down_30_percent_below_sma200_is_a_downtrend(eth_1h: Ohlcv) -> None:
    """The issue's case: ETH 4h, -30 % over the window and about 5 % below its SMA200, bouncing
    just above its SMA50, was called sideways."""
    close = resample(eth_1h, "1h", "4h").tail(300).close
    result = trend(close, indicators.sma(close, 50), indicators.sma(close, 200))
    assert result.return_pct is not None and result.return_pct < -29
    assert result.vs_sma200_pct is not None and result.vs_sma200_pct < -5
    assert result.vs_sma50_pct is not None and result.vs_sma50_pct > 0
    assert result.direction == "downtrend"
    assert (result.up_votes, result.down_votes) == (1, 4)


def test_trend_needs_price_on_the_side_of_sma200() -> None:
    """Four readings up but price back under SMA200: not an uptrend."""
    close = np.concatenate((np.linspace(100.0, 200.0, 280), np.linspace(200.0, 150.0, 20)))
    sma200 = indicators.sma(close, 200)
    assert close[-1] < sma200[-1]
    assert _trend_of(close) != "uptrend"


def test_trend_small_window_return_casts_no_vote() -> None:
    close = 100.0 + np.sin(np.linspace(0, 12 * np.pi, 300))
    result = trend(close, indicators.sma(close, 50), indicators.sma(close, 200))
    assert result.return_pct is not None and abs(result.return_pct) < 5
    assert result.up_votes + result.down_votes <= 4
    assert result.direction == "sideways"


def test_momentum_reads_macd_position_slope_and_last_cross_beyond_the_lookback() -> None:
    close = np.concatenate((np.linspace(100.0, 200.0, 120), np.linspace(200.0, 150.0, 40)))
    m = momentum(indicators.rsi(close), indicators.macd(close), lookback=5)
    assert m.macd_cross == "none"  # no cross within 5 candles...
    assert m.last_cross == "bearish" and m.last_cross_bars_ago is not None  # ...but one before
    assert m.last_cross_bars_ago > 5
    assert m.macd_position == "below"


def test_macd_reading_is_never_empty() -> None:
    close = np.linspace(100.0, 130.0, 80)
    m = momentum(indicators.rsi(close), indicators.macd(close))
    reading = macd_reading(m)
    assert reading.startswith("MACD ") and "histogram" in reading
    warming = momentum(indicators.rsi(close[:20]), indicators.macd(close[:20]))
    assert macd_reading(warming) == "MACD still warming up"


def test_macd_reading_words_the_cross_in_candles() -> None:
    close = np.concatenate((np.linspace(200.0, 100.0, 80), np.linspace(100.0, 140.0, 6)))
    m = momentum(indicators.rsi(close), indicators.macd(close))
    assert m.cross_bars_ago == 5
    assert macd_reading(m).endswith("last cross bullish 5 candles ago")
