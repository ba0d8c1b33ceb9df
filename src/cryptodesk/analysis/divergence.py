"""Regular divergences between price and a momentum indicator (RSI, MACD).

Bearish: price makes a higher swing high while the indicator makes a lower high (the rise runs
out of momentum). Bullish: price makes a lower swing low while the indicator makes a higher low.
Swing points are the ones the level finder uses (`levels.swing_points`), so a divergence can only
be confirmed `window` candles after its second swing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from cryptodesk.analysis.levels import swing_points
from cryptodesk.market.ohlcv import FloatArray, IntArray

DivergenceKind = Literal["bullish", "bearish"]
SWING_WINDOW = 3
LOOKBACK = 60
"""Candles searched for the two swing points."""
RECENT = 15
"""The second swing must be at most this many candles old to count as current."""


@dataclass(frozen=True, slots=True)
class Divergence:
    kind: DivergenceKind
    indicator: str
    """Display name of the indicator, e.g. "RSI14"."""
    first: int
    second: int
    """Indices of the two swing points, oldest first."""
    price_first: float
    price_second: float
    value_first: float
    value_second: float
    bars_ago: int
    """Candles since the second swing point."""


def _pair(
    points: IntArray, indicator: FloatArray, start: int, window: int
) -> tuple[int, int] | None:
    """The last two swing points at or after `start` with an indicator value at both, more
    than `window` candles apart (a flat top is one swing, not two)."""
    usable = [i for i in points.tolist() if i >= start and not math.isnan(float(indicator[i]))]
    if not usable:
        return None
    last = int(usable[-1])
    earlier = [int(i) for i in usable if i < last - window]
    return (earlier[-1], last) if earlier else None


def find_divergence(
    high: FloatArray,
    low: FloatArray,
    indicator: FloatArray,
    name: str,
    *,
    window: int = SWING_WINDOW,
    lookback: int = LOOKBACK,
    recent: int = RECENT,
) -> Divergence | None:
    """The most recent regular divergence whose second swing is within `recent` candles, or None.

    `indicator` is aligned with the candles (NaN while warming up); `name` labels the result.
    """
    n = high.shape[0]
    start = max(n - lookback, 0)
    highs, lows = swing_points(high, low, window)
    found: list[Divergence] = []
    pair = _pair(highs, indicator, start, window)
    if pair is not None:
        a, b = pair
        if high[b] > high[a] and indicator[b] < indicator[a]:
            found.append(_divergence("bearish", name, a, b, high, indicator, n))
    pair = _pair(lows, indicator, start, window)
    if pair is not None:
        a, b = pair
        if low[b] < low[a] and indicator[b] > indicator[a]:
            found.append(_divergence("bullish", name, a, b, low, indicator, n))
    current = [d for d in found if d.bars_ago <= recent]
    return max(current, key=lambda d: d.second) if current else None


def _divergence(
    kind: DivergenceKind,
    name: str,
    a: int,
    b: int,
    price: FloatArray,
    indicator: FloatArray,
    n: int,
) -> Divergence:
    return Divergence(
        kind=kind,
        indicator=name,
        first=a,
        second=b,
        price_first=float(price[a]),
        price_second=float(price[b]),
        value_first=float(indicator[a]),
        value_second=float(indicator[b]),
        bars_ago=n - 1 - b,
    )
