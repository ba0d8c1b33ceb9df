"""Momentum of a series: RSI zone and the MACD reading (position, histogram, crosses)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cryptodesk.analysis.indicators import MacdSeries, last_value
from cryptodesk.analysis.signals import OVERBOUGHT, OVERSOLD, RsiZone
from cryptodesk.market.ohlcv import FloatArray

MacdCross = Literal["bullish", "bearish", "none"]
MacdPosition = Literal["above", "below", "on", "undetermined"]
Slope = Literal["rising", "falling", "flat", "undetermined"]
SLOPE_BARS = 3
"""Candles over which the MACD histogram's slope is read."""


@dataclass(frozen=True, slots=True)
class Momentum:
    rsi: float | None
    rsi_zone: RsiZone
    macd: float | None
    macd_signal: float | None
    macd_hist: float | None
    macd_cross: MacdCross
    """The most recent cross of MACD over its signal within `lookback` candles."""
    cross_bars_ago: int | None
    macd_position: MacdPosition = "undetermined"
    """MACD against its signal line on the last candle."""
    hist_slope: Slope = "undetermined"
    """The histogram over the last `SLOPE_BARS` candles."""
    last_cross: MacdCross = "none"
    """The most recent cross anywhere in the series (not only within `lookback`)."""
    last_cross_bars_ago: int | None = None


def _crosses(hist: FloatArray) -> tuple[MacdCross, int | None]:
    """The most recent sign change of the histogram, and how many candles ago it completed."""
    for back in range(1, hist.shape[0]):
        now, before = hist[-back], hist[-back - 1]
        if np.isnan(now) or np.isnan(before):
            break
        if (before <= 0 < now) or (before >= 0 > now):
            return ("bullish" if now > 0 else "bearish"), back - 1
    return "none", None


def _slope(values: FloatArray, bars: int) -> Slope:
    if values.shape[0] <= bars:
        return "undetermined"
    now, before = float(values[-1]), float(values[-1 - bars])
    if math.isnan(now) or math.isnan(before):
        return "undetermined"
    return "rising" if now > before else "falling" if now < before else "flat"


def momentum(rsi: FloatArray, lines: MacdSeries, lookback: int = 10) -> Momentum:
    value = last_value(rsi)
    zone: RsiZone = "undetermined"
    if value is not None:
        zone = (
            "overbought" if value >= OVERBOUGHT else "oversold" if value <= OVERSOLD else "neutral"
        )
    cross, bars_ago = _crosses(lines.histogram[-(lookback + 1) :])
    last_cross, last_ago = _crosses(lines.histogram)
    line, signal = last_value(lines.macd), last_value(lines.signal)
    position: MacdPosition = "undetermined"
    if line is not None and signal is not None:
        position = "above" if line > signal else "below" if line < signal else "on"
    return Momentum(
        value,
        zone,
        line,
        signal,
        last_value(lines.histogram),
        cross,
        bars_ago,
        position,
        _slope(lines.histogram, SLOPE_BARS),
        last_cross,
        last_ago,
    )


def macd_reading(m: Momentum) -> str:
    """MACD in words, always: position against the signal, histogram sign and slope, last cross.

    E.g. "MACD below signal, histogram negative and rising; last cross bearish 4 candles ago".
    """
    if m.macd_position == "undetermined" or m.macd_hist is None:
        return "MACD still warming up"
    sign = "positive" if m.macd_hist > 0 else "negative" if m.macd_hist < 0 else "zero"
    slope = "" if m.hist_slope == "undetermined" else f" and {m.hist_slope}"
    text = f"MACD {m.macd_position} signal, histogram {sign}{slope}"
    if m.last_cross == "none" or m.last_cross_bars_ago is None:
        return f"{text}; no cross in the window"
    ago = m.last_cross_bars_ago
    when = "on the last candle" if ago == 0 else f"{ago} candle{'s' if ago > 1 else ''} ago"
    return f"{text}; last cross {m.last_cross} {when}"
