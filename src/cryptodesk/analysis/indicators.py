"""Technical indicators through TA-Lib, in its conventions (see reference/market-data.md §4.4).

Every function returns an array as long as its input; warm-up rows are NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import talib

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
        else:
            bands = bollinger(series.close)
            lines.update(bb_upper=bands.upper, bb_middle=bands.middle, bb_lower=bands.lower)
    return lines


def last_value(values: FloatArray) -> float | None:
    """The last element, or None while the indicator is still warming up."""
    if values.size == 0:
        return None
    value = float(values[-1])
    return None if math.isnan(value) else value
