from __future__ import annotations

import numpy as np

from cryptodesk.analysis.levels import find_levels, swing_points
from cryptodesk.market.ohlcv import Ohlcv


def test_swing_points_find_local_extremes() -> None:
    high = np.array([1, 2, 5, 2, 1, 2, 3, 2, 1], dtype=np.float64)
    low = high - 0.5
    highs, lows = swing_points(high, low, window=2)
    assert highs.tolist() == [2, 6]
    assert lows.tolist() == [4]


def test_find_levels_clusters_repeated_touches() -> None:
    # A range: three tops near 110, three bottoms near 90, last close 100.
    pattern = [100, 105, 110, 105, 100, 95, 90, 95]
    close = np.array(pattern * 3 + [100], dtype=np.float64)
    high = close + np.tile([0.0, 0.1, 0.2, 0.1], 7)[: close.size]
    low = close - 0.1
    levels = find_levels(high, low, close, window=2, tolerance=1.0)
    assert [(lv.kind, lv.touches) for lv in levels] == [("support", 3), ("resistance", 3)]
    support, resistance = levels
    assert abs(support.price - 89.9) < 1e-9
    assert 110 <= resistance.price <= 110.2
    assert resistance.distance_pct > 0 > support.distance_pct


def test_find_levels_on_real_btc_puts_supports_below_and_resistances_above(btc_1h: Ohlcv) -> None:
    series = btc_1h.tail(500)
    levels = find_levels(series.high, series.low, series.close)
    last = float(series.close[-1])
    assert levels
    assert all(lv.touches >= 2 for lv in levels)
    assert all((lv.price < last) == (lv.kind == "support") for lv in levels)
    assert all(float(series.low.min()) <= lv.price <= float(series.high.max()) for lv in levels)


def test_find_levels_returns_nothing_for_too_short_a_series() -> None:
    close = np.array([1.0, 2.0, 3.0])
    assert find_levels(close, close, close) == ()
