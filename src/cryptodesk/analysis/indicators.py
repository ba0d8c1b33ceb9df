"""Technical indicators through TA-Lib, in its conventions (see reference/market-data.md §4.4).

Every function returns arrays as long as its input; warm-up rows are NaN. The volume indicators
(OBV, VWAP) live in `analysis.volume`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import talib

from cryptodesk.analysis.volume import obv, vwap_for
from cryptodesk.market.ohlcv import FloatArray, Ohlcv

IndicatorName = Literal[
    "sma20",
    "sma50",
    "sma200",
    "ema12",
    "ema20",
    "ema26",
    "ema50",
    "rsi14",
    "macd",
    "bollinger",
    "atr14",
    "adx",
    "stoch",
    "obv",
    "vwap",
]
INDICATORS: tuple[IndicatorName, ...] = get_args(IndicatorName)
DEFAULT_INDICATORS: tuple[IndicatorName, ...] = (
    "sma50",
    "sma200",
    "ema20",
    "rsi14",
    "macd",
    "bollinger",
    "atr14",
)

LABELS: Mapping[str, str] = {
    "sma20": "SMA20",
    "sma50": "SMA50",
    "sma200": "SMA200",
    "ema12": "EMA12",
    "ema20": "EMA20",
    "ema26": "EMA26",
    "ema50": "EMA50",
    "rsi14": "RSI14",
    "macd": "MACD",
    "macd_signal": "Signal",
    "macd_hist": "Histogram",
    "bb_upper": "BB upper",
    "bb_middle": "BB middle",
    "bb_lower": "BB lower",
    "atr14": "ATR14",
    "adx": "ADX14",
    "plus_di": "+DI14",
    "minus_di": "-DI14",
    "stoch_k": "Stoch %K",
    "stoch_d": "Stoch %D",
    "obv": "OBV",
    "vwap": "VWAP",
}
"""Display labels of the lines `compute` produces."""


def _f64(values: FloatArray) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _out(values: object) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def sma(close: FloatArray, period: int) -> FloatArray:
    return _out(talib.SMA(_f64(close), timeperiod=period))


def ema(close: FloatArray, period: int) -> FloatArray:
    """EMA seeded with the SMA of the first `period` values."""
    return _out(talib.EMA(_f64(close), timeperiod=period))


def rsi(close: FloatArray, period: int = 14) -> FloatArray:
    """Wilder RSI; the first value is at index `period`."""
    return _out(talib.RSI(_f64(close), timeperiod=period))


@dataclass(frozen=True, slots=True, eq=False)
class MacdSeries:
    macd: FloatArray
    signal: FloatArray
    histogram: FloatArray


def macd(close: FloatArray, fast: int = 12, slow: int = 26, signal: int = 9) -> MacdSeries:
    line, sig, hist = talib.MACD(_f64(close), fastperiod=fast, slowperiod=slow, signalperiod=signal)
    return MacdSeries(_out(line), _out(sig), _out(hist))


@dataclass(frozen=True, slots=True, eq=False)
class BollingerSeries:
    upper: FloatArray
    middle: FloatArray
    lower: FloatArray


def bollinger(close: FloatArray, period: int = 20, deviations: float = 2.0) -> BollingerSeries:
    """SMA middle band, population standard deviation."""
    # matype defaults to SMA, the middle band of the reference tables.
    upper, middle, lower = talib.BBANDS(
        _f64(close), timeperiod=period, nbdevup=deviations, nbdevdn=deviations
    )
    return BollingerSeries(_out(upper), _out(middle), _out(lower))


def atr(high: FloatArray, low: FloatArray, close: FloatArray, period: int = 14) -> FloatArray:
    """Wilder ATR; the first value is at index `period`."""
    return _out(talib.ATR(_f64(high), _f64(low), _f64(close), timeperiod=period))


@dataclass(frozen=True, slots=True, eq=False)
class AdxSeries:
    adx: FloatArray
    plus_di: FloatArray
    minus_di: FloatArray


def adx(high: FloatArray, low: FloatArray, close: FloatArray, period: int = 14) -> AdxSeries:
    """Wilder's ADX with +DI and -DI; ADX starts at index 2·period−1, the DIs at `period`."""
    h, lo, c = _f64(high), _f64(low), _f64(close)
    return AdxSeries(
        _out(talib.ADX(h, lo, c, timeperiod=period)),
        _out(talib.PLUS_DI(h, lo, c, timeperiod=period)),
        _out(talib.MINUS_DI(h, lo, c, timeperiod=period)),
    )


@dataclass(frozen=True, slots=True, eq=False)
class StochasticSeries:
    k: FloatArray
    """Slow %K: the SMA(`smooth_k`) of fast %K."""
    d: FloatArray
    """Slow %D: the SMA(`smooth_d`) of slow %K."""


def stochastic(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    period: int = 14,
    smooth_k: int = 3,
    smooth_d: int = 3,
) -> StochasticSeries:
    """Slow stochastic (14, 3, 3) with SMA smoothing; starts at index period+smooth_k+smooth_d−3."""
    # The matypes default to 0, SMA (the stubs claim otherwise, and mistype the enum).
    k, d = talib.STOCH(
        _f64(high),
        _f64(low),
        _f64(close),
        fastk_period=period,
        slowk_period=smooth_k,
        slowd_period=smooth_d,
    )
    return StochasticSeries(_out(k), _out(d))


def compute(series: Ohlcv, names: Iterable[IndicatorName]) -> dict[str, FloatArray]:
    """The lines of the requested indicators, keyed as in `LABELS`, in request order."""
    lines: dict[str, FloatArray] = {}
    for name in dict.fromkeys(names):
        if name.startswith("sma"):
            lines[name] = sma(series.close, int(name[3:]))
        elif name.startswith("ema"):
            lines[name] = ema(series.close, int(name[3:]))
        elif name == "rsi14":
            lines[name] = rsi(series.close, 14)
        elif name == "atr14":
            lines[name] = atr(series.high, series.low, series.close, 14)
        elif name == "macd":
            result = macd(series.close)
            lines.update(macd=result.macd, macd_signal=result.signal, macd_hist=result.histogram)
        elif name == "bollinger":
            bands = bollinger(series.close)
            lines.update(bb_upper=bands.upper, bb_middle=bands.middle, bb_lower=bands.lower)
        elif name == "adx":
            directional = adx(series.high, series.low, series.close)
            lines.update(
                adx=directional.adx, plus_di=directional.plus_di, minus_di=directional.minus_di
            )
        elif name == "stoch":
            stoch = stochastic(series.high, series.low, series.close)
            lines.update(stoch_k=stoch.k, stoch_d=stoch.d)
        elif name == "obv":
            lines[name] = obv(series.close, series.volume)
        else:
            lines[name] = vwap_for(series)
    return lines


def last_value(values: FloatArray) -> float | None:
    """The last element, or None while the indicator is still warming up."""
    if values.size == 0:
        return None
    value = float(values[-1])
    return None if math.isnan(value) else value
