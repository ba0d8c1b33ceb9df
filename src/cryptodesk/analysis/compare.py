"""Relative performance and return correlation of several assets over a common window."""

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
from cryptodesk.errors import DataUnavailableError
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
class Comparison:
    start: int
    """Open time (epoch seconds) of the first common candle."""
    end: int
    """Open time of the last common candle."""
    candles: int
    assets: tuple[AssetPerformance, ...]
    correlation: tuple[tuple[float | None, ...], ...]
    """Pearson correlation of log returns, in the order of `assets`; None for a flat series."""
    best: str
    worst: str


def _correlation(a: FloatArray, b: FloatArray) -> float | None:
    sa, sb = float(np.std(a)), float(np.std(b))
    if sa == 0 or sb == 0:
        return None
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))


def compare(series: Sequence[AssetSeries], step_s: int) -> Comparison:
    """Compares assets on the candles they share; raises `DataUnavailableError` if too few."""
    if len(series) < 2:
        raise ValueError("compare needs at least two assets")
    common = reduce(np.intersect1d, (s.time for s in series))
    if common.shape[0] < MIN_COMMON_CANDLES:
        symbols = ", ".join(s.symbol for s in series)
        raise DataUnavailableError(
            f"{symbols} share only {common.shape[0]} candles; at least {MIN_COMMON_CANDLES} "
            "are needed to compare them"
        )
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
    )
