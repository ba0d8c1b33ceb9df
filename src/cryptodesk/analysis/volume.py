"""Volume indicators: on-balance volume (TA-Lib) and VWAP (numpy; TA-Lib has none).

VWAP is Σ typical·volume / Σ volume with typical = (high + low + close) / 3. Anchored at a UTC
day ("session") the sums restart at every UTC midnight, the usual intraday VWAP; anchored at the
window they run from the first candle given. `vwap_for` picks session VWAP for intraday candles and
window VWAP for daily and longer ones, where a one-candle session would only repeat the candle.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import talib

from cryptodesk.market.ohlcv import FloatArray, IntArray, Ohlcv

VwapAnchor = Literal["session", "window"]
_DAY_S = 86_400


def obv(close: FloatArray, volume: FloatArray) -> FloatArray:
    """On-balance volume; like TA-Lib it starts at the first candle's volume (no warm-up)."""
    return np.asarray(
        talib.OBV(
            np.ascontiguousarray(close, dtype=np.float64),
            np.ascontiguousarray(volume, dtype=np.float64),
        ),
        dtype=np.float64,
    )


def _session_starts(time: IntArray) -> IntArray:
    day = time // _DAY_S
    return np.flatnonzero(np.concatenate(([True], day[1:] != day[:-1]))).astype(np.int64)


def vwap(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    time: IntArray | None = None,
) -> FloatArray:
    """VWAP of the candles, per UTC-day session when `time` (open times, epoch s) is given.

    NaN where the running volume is still zero: no trade, no average price.
    """
    typical = (high + low + close) / 3.0
    weighted = typical * volume
    n = close.shape[0]
    out = np.full(n, np.nan, dtype=np.float64)
    if n == 0:
        return out
    starts = _session_starts(time) if time is not None else np.zeros(1, dtype=np.int64)
    # One session per row (zero-padded) and one cumsum along the rows: no Python loop over
    # sessions, and the same sums, bit for bit, as summing each session on its own.
    lengths = np.diff(np.append(starts, n))
    row = np.repeat(np.arange(starts.shape[0]), lengths)
    col = np.arange(n) - np.repeat(starts, lengths)
    grid = np.zeros((2, starts.shape[0], int(lengths.max())), dtype=np.float64)
    grid[0, row, col] = weighted
    grid[1, row, col] = volume
    sums = np.cumsum(grid, axis=2)[:, row, col]
    np.divide(sums[0], sums[1], out=out, where=sums[1] > 0)
    return out


def vwap_anchor(time: IntArray) -> VwapAnchor:
    """Session VWAP for candles shorter than a day, window VWAP otherwise."""
    if time.shape[0] < 2:
        return "window"
    return "session" if float(np.median(np.diff(time))) < _DAY_S else "window"


def vwap_for(series: Ohlcv) -> FloatArray:
    """The VWAP line `indicators.compute` draws, anchored as `vwap_anchor` decides."""
    anchored = series.time if vwap_anchor(series.time) == "session" else None
    return vwap(series.high, series.low, series.close, series.volume, anchored)
