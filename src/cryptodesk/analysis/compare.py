"""Relative performance and return correlation of several assets over a common window.

Series may end at different times (replay files that stop days apart): the window then ends at
the earliest last candle, so every asset is measured over the same span, and `lagging` names the
series that end earlier with how far behind they are. Too few common candles is an outcome with
its explanation (`Comparison.note`), not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np

from cryptodesk.analysis.signals import (
    annualized_volatility_pct,
    log_returns,
    max_drawdown,
    total_return_pct,
)
from cryptodesk.market.ohlcv import FloatArray, IntArray

MIN_COMMON_CANDLES = 3


@dataclass(frozen=True, slots=True, eq=False)
class AssetSeries:
    symbol: str
    time: IntArray
    close: FloatArray


@dataclass(frozen=True, slots=True)
class AssetPerformance:
    symbol: str
    start_price: float
    end_price: float
    return_pct: float
    volatility_pct: float | None
    max_drawdown_pct: float


@dataclass(frozen=True, slots=True)
class SeriesEnd:
    symbol: str
    last: int
    """Open time (epoch seconds) of the series' last candle."""
    behind_s: int
    """How far the series ends before the latest-ending one (0 for that one)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    start: int | None
    """Open time (epoch seconds) of the first common candle; None without common candles."""
    end: int | None
    """Open time of the last common candle."""
    candles: int
    assets: tuple[AssetPerformance, ...]
    correlation: tuple[tuple[float | None, ...], ...]
    """Pearson correlation of log returns, in the order of `assets`; None for a flat series."""
    best: str | None
    worst: str | None
    ends: tuple[SeriesEnd, ...] = ()
    note: str | None = None
    """Why there is no comparison (too few common candles), in words."""

    @property
    def lagging(self) -> tuple[SeriesEnd, ...]:
        return tuple(end for end in self.ends if end.behind_s > 0)


def _correlation(a: FloatArray, b: FloatArray) -> float | None:
    sa, sb = float(np.std(a)), float(np.std(b))
    if sa == 0 or sb == 0:
        return None
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))


def series_ends(series: Sequence[AssetSeries]) -> tuple[SeriesEnd, ...]:
    latest = max(int(s.time[-1]) for s in series)
    return tuple(SeriesEnd(s.symbol, int(s.time[-1]), latest - int(s.time[-1])) for s in series)


def common_times(series: Sequence[AssetSeries], span_s: int | None = None) -> IntArray:
    """Open times every series has, within `span_s` of the earliest-ending series' last candle
    (all of them when `span_s` is None)."""
    end = min(int(s.time[-1]) for s in series)
    times = [
        s.time[(s.time <= end) & (s.time >= end - span_s)] if span_s else s.time for s in series
    ]
    common: IntArray = reduce(np.intersect1d, times)
    return common


def compare(series: Sequence[AssetSeries], step_s: int, span_s: int | None = None) -> Comparison:
    """Compares assets on the candles they share within `span_s` of the common end."""
    if len(series) < 2:
        raise ValueError("compare needs at least two assets")
    ends = series_ends(series)
    common = common_times(series, span_s)
    if common.shape[0] < MIN_COMMON_CANDLES:
        symbols = ", ".join(s.symbol for s in series)
        note = (
            f"{symbols} share {common.shape[0]} candles in the window; at least "
            f"{MIN_COMMON_CANDLES} are needed to compare them"
        )
        return Comparison(None, None, int(common.shape[0]), (), (), None, None, ends, note)
    closes = [s.close[np.isin(s.time, common)] for s in series]
    assets = tuple(
        AssetPerformance(
            symbol=s.symbol,
            start_price=float(close[0]),
            end_price=float(close[-1]),
            return_pct=total_return_pct(close),
            volatility_pct=annualized_volatility_pct(close, step_s),
            max_drawdown_pct=max_drawdown(close).max_drawdown_pct,
        )
        for s, close in zip(series, closes, strict=True)
    )
    returns = [log_returns(close) for close in closes]
    matrix = tuple(tuple(_correlation(a, b) for b in returns) for a in returns)
    ranked = sorted(assets, key=lambda a: a.return_pct)
    return Comparison(
        start=int(common[0]),
        end=int(common[-1]),
        candles=int(common.shape[0]),
        assets=assets,
        correlation=matrix,
        best=ranked[-1].symbol,
        worst=ranked[0].symbol,
        ends=ends,
    )


@dataclass(frozen=True, slots=True, eq=False)
class PerformanceLines:
    """What a comparison chart draws: percent change from the first common close per asset,
    and the price ratio of the first asset to the second."""

    time: IntArray
    change_pct: dict[str, FloatArray]
    ratio_name: str
    ratio: FloatArray


def performance_lines(series: Sequence[AssetSeries], common: IntArray) -> PerformanceLines:
    """The lines of `series` over the `common` open times (from `common_times`)."""
    closes = {s.symbol: s.close[np.isin(s.time, common)] for s in series}
    first, second = series[0].symbol, series[1].symbol
    return PerformanceLines(
        time=common,
        change_pct={symbol: (close / close[0] - 1.0) * 100.0 for symbol, close in closes.items()},
        ratio_name=f"{first}/{second}",
        ratio=closes[first] / closes[second],
    )
