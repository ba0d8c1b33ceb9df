from __future__ import annotations

import numpy as np

from cryptodesk.analysis import indicators
from cryptodesk.analysis.divergence import find_divergence
from cryptodesk.market.ohlcv import Ohlcv


def _swings(peaks: list[float], floor: float = 90.0) -> np.ndarray:
    """A zigzag: from `floor` up to each peak and back, seven candles a leg."""
    legs = [np.linspace(floor, peak, 7)[:-1] for peak in peaks]
    downs = [np.linspace(peak, floor, 7)[:-1] for peak in peaks]
    return np.concatenate([x for pair in zip(legs, downs, strict=True) for x in pair] + [[floor]])


def test_a_higher_high_on_weaker_rsi_is_a_bearish_divergence() -> None:
    # The second rise goes higher but climbs more slowly: RSI peaks lower.
    first = np.linspace(90.0, 110.0, 6)
    fall = np.linspace(110.0, 95.0, 6)
    second = np.linspace(95.0, 111.0, 16)
    tail = np.linspace(111.0, 104.0, 5)
    close = np.concatenate((np.full(30, 90.0) + np.sin(np.arange(30)), first, fall, second, tail))
    high, low = close + 0.2, close - 0.2
    rsi = indicators.rsi(close)
    found = find_divergence(high, low, rsi, "RSI14")
    assert found is not None and found.kind == "bearish"
    assert found.price_second > found.price_first
    assert found.value_second < found.value_first
    assert found.bars_ago == close.shape[0] - 1 - found.second


def test_no_divergence_when_indicator_confirms_the_high() -> None:
    close = _swings([100.0, 105.0, 110.0])
    rsi = np.linspace(40.0, 80.0, close.shape[0])  # rises with price: confirms every high
    assert find_divergence(close + 0.1, close - 0.1, rsi, "RSI14") is None


def test_an_old_divergence_is_not_current() -> None:
    close = _swings([100.0, 110.0])
    rsi = np.concatenate((np.full(10, 70.0), np.full(close.shape[0] - 10, 60.0)))
    late = np.concatenate((close, np.full(40, 90.0)))
    rsi_late = np.concatenate((rsi, np.full(40, 50.0)))
    assert find_divergence(late + 0.1, late - 0.1, rsi_late, "RSI14", recent=10) is None


def test_divergence_on_real_candles_names_swings_inside_the_lookback(btc_1h: Ohlcv) -> None:
    found = []
    for end in range(300, len(btc_1h), 97):
        series = btc_1h.tail(len(btc_1h))  # whole file, cut below
        high, low, close = series.high[:end], series.low[:end], series.close[:end]
        hit = find_divergence(high, low, indicators.rsi(close), "RSI14")
        if hit is not None:
            found.append(hit)
            assert end - 60 <= hit.first < hit.second <= end - 1
            swing = high if hit.kind == "bearish" else low
            assert (hit.price_first, hit.price_second) == (swing[hit.first], swing[hit.second])
    assert found, "real BTC hourly candles hold divergences"
