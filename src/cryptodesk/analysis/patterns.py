"""Candlestick patterns through TA-Lib's CDL functions, for a curated set of the common ones.

TA-Lib scores a candle per pattern: 0 for none, +100 bullish, −100 bearish, ±200 a confirmed
pattern (Hikkake) and ±80 a weaker variant (Engulfing and Harami when an open equals a close).
Patterns that only signal indecision (the dojis) score +100 whatever the direction; they are
reported as neutral.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import talib

from cryptodesk.market.ohlcv import FloatArray, Ohlcv

PatternName = Literal[
    "engulfing",
    "hammer",
    "inverted_hammer",
    "hanging_man",
    "shooting_star",
    "doji",
    "dragonfly_doji",
    "gravestone_doji",
    "doji_star",
    "morning_star",
    "evening_star",
    "morning_doji_star",
    "evening_doji_star",
    "harami",
    "harami_cross",
    "three_white_soldiers",
    "three_black_crows",
    "three_inside",
    "three_outside",
    "piercing",
    "dark_cloud_cover",
    "marubozu",
    "kicking",
    "abandoned_baby",
    "hikkake",
]
PATTERNS: tuple[PatternName, ...] = get_args(PatternName)
PatternBias = Literal["bullish", "bearish", "neutral"]

_Cdl = Callable[[FloatArray, FloatArray, FloatArray, FloatArray], npt.NDArray[np.int32]]


@dataclass(frozen=True, slots=True)
class _Pattern:
    function: str
    label: str
    neutral: bool = False


_TABLE: Mapping[PatternName, _Pattern] = {
    "engulfing": _Pattern("CDLENGULFING", "Engulfing"),
    "hammer": _Pattern("CDLHAMMER", "Hammer"),
    "inverted_hammer": _Pattern("CDLINVERTEDHAMMER", "Inverted hammer"),
    "hanging_man": _Pattern("CDLHANGINGMAN", "Hanging man"),
    "shooting_star": _Pattern("CDLSHOOTINGSTAR", "Shooting star"),
    "doji": _Pattern("CDLDOJI", "Doji", neutral=True),
    "dragonfly_doji": _Pattern("CDLDRAGONFLYDOJI", "Dragonfly doji", neutral=True),
    "gravestone_doji": _Pattern("CDLGRAVESTONEDOJI", "Gravestone doji", neutral=True),
    "doji_star": _Pattern("CDLDOJISTAR", "Doji star"),
    "morning_star": _Pattern("CDLMORNINGSTAR", "Morning star"),
    "evening_star": _Pattern("CDLEVENINGSTAR", "Evening star"),
    "morning_doji_star": _Pattern("CDLMORNINGDOJISTAR", "Morning doji star"),
    "evening_doji_star": _Pattern("CDLEVENINGDOJISTAR", "Evening doji star"),
    "harami": _Pattern("CDLHARAMI", "Harami"),
    "harami_cross": _Pattern("CDLHARAMICROSS", "Harami cross"),
    "three_white_soldiers": _Pattern("CDL3WHITESOLDIERS", "Three white soldiers"),
    "three_black_crows": _Pattern("CDL3BLACKCROWS", "Three black crows"),
    "three_inside": _Pattern("CDL3INSIDE", "Three inside"),
    "three_outside": _Pattern("CDL3OUTSIDE", "Three outside"),
    "piercing": _Pattern("CDLPIERCING", "Piercing line"),
    "dark_cloud_cover": _Pattern("CDLDARKCLOUDCOVER", "Dark cloud cover"),
    "marubozu": _Pattern("CDLMARUBOZU", "Marubozu"),
    "kicking": _Pattern("CDLKICKING", "Kicking"),
    "abandoned_baby": _Pattern("CDLABANDONEDBABY", "Abandoned baby"),
    "hikkake": _Pattern("CDLHIKKAKE", "Hikkake"),
}


SUBSUMED: Mapping[PatternName, tuple[PatternName, ...]] = {
    "doji": (
        "dragonfly_doji",
        "gravestone_doji",
        "doji_star",
        "morning_doji_star",
        "evening_doji_star",
        "harami_cross",
    ),
    "harami": ("harami_cross",),
    "doji_star": ("morning_doji_star", "evening_doji_star"),
}
"""A pattern that says less than another found on the same candle: listing both repeats it
(every dragonfly doji is also a doji; a harami cross is a harami whose second candle is one)."""


@dataclass(frozen=True, slots=True)
class PatternHit:
    index: int
    """Position of the candle that completes the pattern."""
    time: int
    """Open time of that candle, epoch seconds."""
    pattern: PatternName
    label: str
    bias: PatternBias
    strength: int
    """TA-Lib's score: ±100, ±200 when confirmed, ±80 for a weak variant."""


def talib_function(pattern: PatternName) -> str:
    """The TA-Lib function that recognises `pattern`, e.g. "CDLENGULFING"."""
    return _TABLE[pattern].function


def _bias(pattern: _Pattern, strength: int) -> PatternBias:
    if pattern.neutral:
        return "neutral"
    return "bullish" if strength > 0 else "bearish"


def scores(series: Ohlcv, pattern: PatternName) -> npt.NDArray[np.int32]:
    """TA-Lib's score of `pattern` on every candle (0 where it does not occur)."""
    function: _Cdl = getattr(talib, talib_function(pattern))
    columns = (series.open, series.high, series.low, series.close)
    return np.asarray(
        function(*(np.ascontiguousarray(c, dtype=np.float64) for c in columns)), dtype=np.int32
    )


def detect(
    series: Ohlcv, lookback: int, patterns: Iterable[PatternName] = PATTERNS
) -> tuple[PatternHit, ...]:
    """The patterns completed on the last `lookback` candles, oldest first.

    Patterns are scored on the whole series, so earlier candles give TA-Lib the context (average
    body sizes, preceding trend) it compares against; only hits in the window are returned.
    Hits on one candle keep the order of `patterns`, without the ones a more specific pattern
    on that candle subsumes (`dedupe`).
    """
    n = len(series)
    start = max(n - lookback, 0)
    hits: list[PatternHit] = []
    for name in dict.fromkeys(patterns):
        pattern = _TABLE[name]
        found = scores(series, name)
        for index in (np.flatnonzero(found[start:]) + start).tolist():
            strength = int(found[index])
            hits.append(
                PatternHit(
                    index=index,
                    time=int(series.time[index]),
                    pattern=name,
                    label=pattern.label,
                    bias=_bias(pattern, strength),
                    strength=strength,
                )
            )
    order = {name: rank for rank, name in enumerate(dict.fromkeys(patterns))}
    return dedupe(sorted(hits, key=lambda hit: (hit.index, order[hit.pattern])))


def dedupe(hits: Iterable[PatternHit]) -> tuple[PatternHit, ...]:
    """`hits` without the ones a more specific pattern on the same candle says (`SUBSUMED`)."""
    listed = list(hits)
    on_candle: dict[int, set[PatternName]] = {}
    for hit in listed:
        on_candle.setdefault(hit.index, set()).add(hit.pattern)
    return tuple(
        hit
        for hit in listed
        if not on_candle[hit.index].intersection(SUBSUMED.get(hit.pattern, ()))
    )
