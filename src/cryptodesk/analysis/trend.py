"""The trend of a series: price against its moving averages and the window's return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cryptodesk.analysis.indicators import last_value
from cryptodesk.analysis.signals import pct_of, total_return_pct
from cryptodesk.market.ohlcv import FloatArray

TrendDirection = Literal["uptrend", "downtrend", "sideways", "undetermined"]
RETURN_BAND_PCT = 5.0
"""A window return within ±5 % is noise to the trend: it casts no vote."""
TREND_MAJORITY = 0.6
"""The share of the votes cast an uptrend or a downtrend needs."""


@dataclass(frozen=True, slots=True)
class Trend:
    direction: TrendDirection
    close: float
    sma50: float | None
    sma200: float | None
    vs_sma50_pct: float | None
    vs_sma200_pct: float | None
    sma50_slope_pct: float | None
    """Change of SMA50 over the last `slope_bars` candles, in percent."""
    return_pct: float | None = None
    """Return over the whole window, in percent."""
    up_votes: int = 0
    down_votes: int = 0


def _sign(value: float | None, band: float = 0.0) -> int:
    if value is None or abs(value) <= band:
        return 0
    return 1 if value > 0 else -1


def trend(close: FloatArray, sma50: FloatArray, sma200: FloatArray, slope_bars: int = 10) -> Trend:
    """The direction that price against its moving averages and the window's return agree on.

    Five readings vote up or down: price vs SMA50, price vs SMA200, SMA50 vs SMA200, the slope
    of SMA50 and the window's return once it is beyond ±`RETURN_BAND_PCT` (a smaller move is
    noise and does not vote). Up or down needs `TREND_MAJORITY` of the votes cast, and price on
    that side of SMA200 when there is one; otherwise sideways. So a coin down 30 % over the window
    and below its SMA200 is in a downtrend even while it bounces above its SMA50. Undetermined
    before SMA50 exists.
    """
    last = float(close[-1])
    fast, slow = last_value(sma50), last_value(sma200)
    slope = None
    if fast is not None and sma50.shape[0] > slope_bars:
        slope = pct_of(fast, last_value(sma50[:-slope_bars]))
    window = total_return_pct(close) if close.shape[0] > 1 else None
    votes = [
        _sign(pct_of(last, fast)),
        _sign(pct_of(last, slow)),
        _sign(None if fast is None or slow is None else fast - slow),
        _sign(slope),
        _sign(window, RETURN_BAND_PCT),
    ]
    up, down = votes.count(1), votes.count(-1)
    direction: TrendDirection = "undetermined"
    if fast is not None and slope is not None:
        cast = up + down
        direction = "sideways"
        if cast and up / cast >= TREND_MAJORITY and (slow is None or last > slow):
            direction = "uptrend"
        elif cast and down / cast >= TREND_MAJORITY and (slow is None or last < slow):
            direction = "downtrend"
    return Trend(
        direction,
        last,
        fast,
        slow,
        pct_of(last, fast),
        pct_of(last, slow),
        slope,
        window,
        up,
        down,
    )
