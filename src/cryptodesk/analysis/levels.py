"""Support and resistance levels from clusters of swing highs and lows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from cryptodesk.market.ohlcv import FloatArray, IntArray

LevelKind = Literal["support", "resistance"]


@dataclass(frozen=True, slots=True)
class Level:
    price: float
    kind: LevelKind
    touches: int
    """Swing points in the cluster."""
    distance_pct: float
    """Distance from the last close, in percent of it (negative below)."""
    last_touch: int
    """Index of the most recent swing point in the cluster."""


def swing_points(high: FloatArray, low: FloatArray, window: int) -> tuple[IntArray, IntArray]:
    """Indices of swing highs and swing lows: extremes of the `window` candles on each side."""
    n = high.shape[0]
    if n < 2 * window + 1:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    view_high = np.lib.stride_tricks.sliding_window_view(high, 2 * window + 1)
    view_low = np.lib.stride_tricks.sliding_window_view(low, 2 * window + 1)
    centre_high = high[window : n - window]
    centre_low = low[window : n - window]
    highs = np.flatnonzero(centre_high >= view_high.max(axis=1)) + window
    lows = np.flatnonzero(centre_low <= view_low.min(axis=1)) + window
    return highs.astype(np.int64), lows.astype(np.int64)


def _tolerance(high: FloatArray, low: FloatArray, close: FloatArray) -> float:
    """Half the median candle range: wide enough to merge retests, narrow enough to separate."""
    ranges = high - low
    return max(float(np.median(ranges)) * 0.5, float(close[-1]) * 0.001)


def find_levels(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    *,
    window: int = 3,
    tolerance: float | None = None,
    min_touches: int = 2,
    per_side: int = 3,
) -> tuple[Level, ...]:
    """Up to `per_side` supports below and resistances above the last close, nearest first.

    Swing points are sorted by price and clustered greedily: a point joins the current cluster
    while it lies within `tolerance` of the cluster's mean. A cluster's price is its mean.
    """
    if close.shape[0] == 0:
        return ()
    highs, lows = swing_points(high, low, window)
    indices = np.concatenate((highs, lows))
    prices = np.concatenate((high[highs], low[lows]))
    if prices.size == 0:
        return ()
    tol = _tolerance(high, low, close) if tolerance is None else tolerance
    order = np.argsort(prices, kind="stable")
    clusters: list[list[int]] = []
    # The open cluster's running sum: its mean without a numpy call per point (a backtest finds
    # levels at every step). Summed in order from zero, as numpy sums fewer than eight values.
    total = 0.0
    values = prices.tolist()
    for position in order.tolist():
        value = values[position]
        if clusters and abs(value - total / len(clusters[-1])) <= tol:
            clusters[-1].append(position)
            total += value
        else:
            clusters.append([position])
            total = value
    last = float(close[-1])
    levels: list[Level] = []
    for members in clusters:
        if len(members) < min_touches:
            continue
        price = float(np.mean(prices[members]))
        levels.append(
            Level(
                price=price,
                kind="support" if price < last else "resistance",
                touches=len(members),
                distance_pct=(price / last - 1.0) * 100.0,
                last_touch=int(np.max(indices[members])),
            )
        )
    supports = sorted((lv for lv in levels if lv.kind == "support"), key=lambda lv: -lv.price)
    resistances = sorted((lv for lv in levels if lv.kind == "resistance"), key=lambda lv: lv.price)
    return (*supports[:per_side], *resistances[:per_side])
