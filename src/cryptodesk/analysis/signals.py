"""Readings of a series: volatility, drawdown, returns, trend strength, stochastic and volume.

The trend lives in `trend.py`, RSI and MACD momentum in `momentum.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cryptodesk.analysis.indicators import AdxSeries, StochasticSeries, last_value
from cryptodesk.market.ohlcv import FloatArray

RsiZone = Literal["overbought", "oversold", "neutral", "undetermined"]
TrendStrengthLevel = Literal["strong", "weak", "absent", "undetermined"]
DirectionalLead = Literal["bulls", "bears", "undetermined"]
FlowDirection = Literal["rising", "falling", "flat", "undetermined"]

_YEAR_S = 365.25 * 86_400
OVERBOUGHT = 70.0
OVERSOLD = 30.0
STRONG_TREND_ADX = 25.0
NO_TREND_ADX = 20.0
STOCH_OVERBOUGHT = 80.0
STOCH_OVERSOLD = 20.0


def pct_of(value: float, reference: float | None) -> float | None:
    if reference is None or reference == 0:
        return None
    return (value / reference - 1.0) * 100.0


@dataclass(frozen=True, slots=True)
class Volatility:
    atr: float | None
    atr_pct: float | None
    """ATR in percent of the last close."""
    annualized_pct: float | None
    """Standard deviation of log returns, annualised, in percent."""


def log_returns(close: FloatArray) -> FloatArray:
    return np.diff(np.log(close))


def annualized_volatility_pct(close: FloatArray, step_s: int) -> float | None:
    returns = log_returns(close)
    if returns.shape[0] < 2:
        return None
    return float(np.std(returns, ddof=1)) * math.sqrt(_YEAR_S / step_s) * 100.0


def volatility(close: FloatArray, atr: FloatArray, step_s: int) -> Volatility:
    value = last_value(atr)
    atr_pct = None if value is None else value / float(close[-1]) * 100.0
    return Volatility(value, atr_pct, annualized_volatility_pct(close, step_s))


@dataclass(frozen=True, slots=True)
class Drawdown:
    max_drawdown_pct: float
    """Largest fall from a running peak, in percent (zero or negative)."""
    peak_index: int
    trough_index: int


def max_drawdown(close: FloatArray) -> Drawdown:
    peaks = np.maximum.accumulate(close)
    drawdowns = close / peaks - 1.0
    trough = int(np.argmin(drawdowns))
    peak = int(np.argmax(close[: trough + 1]))
    return Drawdown(float(drawdowns[trough]) * 100.0, peak, trough)


def total_return_pct(close: FloatArray) -> float:
    return (float(close[-1]) / float(close[0]) - 1.0) * 100.0


@dataclass(frozen=True, slots=True)
class TrendStrength:
    adx: float | None
    plus_di: float | None
    minus_di: float | None
    strength: TrendStrengthLevel
    """Strong from ADX 25, absent below 20, weak between."""
    lead: DirectionalLead
    """Bulls when +DI is above -DI."""


def trend_strength(lines: AdxSeries) -> TrendStrength:
    value, plus, minus = (last_value(v) for v in (lines.adx, lines.plus_di, lines.minus_di))
    strength: TrendStrengthLevel = "undetermined"
    if value is not None:
        strength = (
            "strong" if value >= STRONG_TREND_ADX else "absent" if value < NO_TREND_ADX else "weak"
        )
    lead: DirectionalLead = "undetermined"
    if plus is not None and minus is not None and plus != minus:
        lead = "bulls" if plus > minus else "bears"
    return TrendStrength(value, plus, minus, strength, lead)


@dataclass(frozen=True, slots=True)
class StochasticReading:
    k: float | None
    d: float | None
    zone: RsiZone
    """Overbought from %K 80, oversold up to 20."""
    k_above_d: bool | None


def stochastic_reading(lines: StochasticSeries) -> StochasticReading:
    k, d = last_value(lines.k), last_value(lines.d)
    zone: RsiZone = "undetermined"
    if k is not None:
        zone = (
            "overbought"
            if k >= STOCH_OVERBOUGHT
            else "oversold"
            if k <= STOCH_OVERSOLD
            else "neutral"
        )
    return StochasticReading(k, d, zone, None if k is None or d is None else k > d)


@dataclass(frozen=True, slots=True)
class VolumeReading:
    obv: float | None
    obv_direction: FlowDirection
    """Sign of the OBV change over the last `slope_bars` candles."""
    vwap: float | None
    vs_vwap_pct: float | None
    """Last close against VWAP, in percent."""


def volume_reading(
    close: FloatArray, obv: FloatArray | None, vwap: FloatArray | None, slope_bars: int = 10
) -> VolumeReading:
    value = None if obv is None else last_value(obv)
    direction: FlowDirection = "undetermined"
    if obv is not None and value is not None and obv.shape[0] > slope_bars:
        before = last_value(obv[:-slope_bars])
        if before is not None:
            direction = "rising" if value > before else "falling" if value < before else "flat"
    average = None if vwap is None else last_value(vwap)
    return VolumeReading(value, direction, average, pct_of(float(close[-1]), average))
