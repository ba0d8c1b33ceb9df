"""Candles from CoinGecko: which endpoint serves a (timeframe, limit) and how candles are built.

CoinGecko's public API has real OHLC only with fixed bodies (`/ohlc`: 30 minutes for 1 day of
history, 4 hours for 7-30 days, 4 days beyond), and price samples otherwise (`/market_chart`:
5-minutely for 1 day, hourly up to 90 days, daily up to 365). So:

| timeframe | limit  | endpoint                        | candles                            |
|-----------|--------|---------------------------------|------------------------------------|
| 1h        | <= 22  | /ohlc days=1 (30 min bodies)    | real OHLC, two bodies merged       |
| 4h        | <= 178 | /ohlc days=7, 14 or 30 (4 h)    | real OHLC                          |
| 1d        | <= 28  | /ohlc days=30 (4 h bodies)      | real OHLC, six bodies merged       |
| 5m, 15m   | <= 287, 95 | /market_chart days=1 (5 min samples) | approximated from samples   |
| 1h, 4h    | larger | /market_chart days <= 90 (hourly) | approximated from samples        |
| 1d, 1w    | larger | /market_chart days 91-365 (daily) | approximated from samples        |

An approximated candle opens at the sample nearest its open time, closes at the sample nearest
its close time, and its high and low span the samples in between: wicks between samples are lost.
Volume is always approximated: `/ohlc` has none, and `total_volumes` is a rolling 24 h volume in
USD, so a candle gets `volume_24h * (timeframe / 24 h) / close`, in base units.

`/ohlc` timestamps are candle close times. Only candles closed by `now` are returned, and no more
than the public history holds (e.g. 287 5m candles, 363 1d candles), whatever the limit.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from cryptodesk.errors import BadRangeError, DataUnavailableError
from cryptodesk.market.coingecko_payloads import MarketChart, OhlcRow
from cryptodesk.market.schemas import Candle, Timeframe, bucket_start, timeframe_seconds
from cryptodesk.market.schemas import utc_from_epoch as _utc

_DAY_S = 86_400
_HOUR_S = 3_600
_OHLC_BODIES: dict[int, int] = {1: 1_800, 7: 14_400, 14: 14_400, 30: 14_400}
_MAX_PUBLIC_DAYS = 365

SOURCE_OHLC = "coingecko ohlc (volume approximated from 24h volume)"
SOURCE_SAMPLES = "coingecko market_chart (candles approximated from price samples)"


@dataclass(frozen=True, slots=True)
class CandlePlan:
    timeframe: Timeframe
    limit: int
    chart_days: int
    """`days` of the market_chart request (prices or, with /ohlc, volumes)."""
    ohlc_days: int | None = None
    """`days` of the /ohlc request, or None when candles are approximated from samples."""

    @property
    def source(self) -> str:
        return SOURCE_OHLC if self.ohlc_days is not None else SOURCE_SAMPLES


def plan_candles(timeframe: Timeframe, limit: int) -> CandlePlan:
    """The cheapest request for the last `limit` closed candles.

    The public API keeps 5-minute samples for a day, hourly for 90 days and daily for 365; a
    larger `limit` is cut to what that history holds (the candle count then says so).
    """
    if limit < 1:
        raise BadRangeError(f"limit must be at least 1, got {limit}")
    step = timeframe_seconds(timeframe)
    if timeframe == "1h" and limit <= 22:
        return CandlePlan(timeframe, limit, chart_days=1, ohlc_days=1)
    if timeframe == "4h" and limit <= 178:
        days = next(d for d in (7, 14, 30) if d * 6 - 2 >= limit)
        return CandlePlan(timeframe, limit, chart_days=days, ohlc_days=days)
    if timeframe == "1d" and limit <= 28:
        return CandlePlan(timeframe, limit, chart_days=30, ohlc_days=30)
    if step < _HOUR_S:
        return CandlePlan(timeframe, min(limit, _DAY_S // step - 1), chart_days=1)
    if step < _DAY_S:
        limit = min(limit, (89 * _DAY_S) // step - 1)
        return CandlePlan(timeframe, limit, chart_days=max(_span_days(limit, step), 2))
    limit = min(limit, ((_MAX_PUBLIC_DAYS - 1) * _DAY_S) // step - 1)
    return CandlePlan(timeframe, limit, chart_days=max(_span_days(limit, step), 91))


def _span_days(limit: int, step: int) -> int:
    """Days of samples that cover `limit` candles and the edge sample of the first one."""
    return math.ceil((limit + 1) * step / _DAY_S) + 1


def build_candles(
    plan: CandlePlan, chart: MarketChart, ohlc: Sequence[OhlcRow] | None, now_s: int
) -> tuple[Candle, ...]:
    """The last `plan.limit` candles closed by `now_s` (fewer when the upstream has gaps)."""
    step = timeframe_seconds(plan.timeframe)
    last_open = bucket_start(now_s, plan.timeframe) - step
    grid = [last_open - step * k for k in range(plan.limit - 1, -1, -1)]
    if plan.ohlc_days is not None:
        if ohlc is None:
            raise ValueError("this plan needs /ohlc rows")
        bars = _from_ohlc(grid, step, ohlc, _OHLC_BODIES[plan.ohlc_days], now_s)
    else:
        bars = _from_samples(grid, step, _Samples(chart.prices))
    volumes = _Samples(chart.total_volumes)
    candles: list[Candle] = []
    for open_s, o, h, lo, c in bars:
        volume_24h = volumes.nearest(open_s + step)
        if volume_24h is None:
            raise DataUnavailableError("CoinGecko returned no volume samples for these candles")
        volume = volume_24h * step / _DAY_S / c if c > 0 else 0.0
        candles.append(Candle(time=_utc(open_s), open=o, high=h, low=lo, close=c, volume=volume))
    return tuple(candles)


_Bar = tuple[int, float, float, float, float]


def _from_ohlc(
    grid: Sequence[int], step: int, rows: Sequence[OhlcRow], body_s: int, now_s: int
) -> list[_Bar]:
    by_open: dict[int, OhlcRow] = {}
    for row in rows:
        close_s = round(row[0] / 1000 / body_s) * body_s
        if close_s <= now_s:
            by_open[close_s - body_s] = row
    bars: list[_Bar] = []
    for start in grid:
        parts = [by_open.get(t) for t in range(start, start + step, body_s)]
        if any(part is None for part in parts):
            continue
        bodies = [part for part in parts if part is not None]
        high = max(part[2] for part in bodies)
        low = min(part[3] for part in bodies)
        bars.append((start, bodies[0][1], high, low, bodies[-1][4]))
    return bars


def _from_samples(grid: Sequence[int], step: int, prices: _Samples) -> list[_Bar]:
    tolerance = step / 2
    bars: list[_Bar] = []
    for start in grid:
        first = prices.nearest(start, tolerance)
        last = prices.nearest(start + step, tolerance)
        if first is None or last is None:
            continue
        inside = prices.between(start, start + step)
        bars.append((start, first, max(first, last, *inside), min(first, last, *inside), last))
    return bars


class _Samples:
    """`[ms, value]` pairs in time order, looked up by epoch seconds."""

    def __init__(self, pairs: Sequence[tuple[float, float | None]]) -> None:
        points = sorted((t / 1000, v) for t, v in pairs if v is not None and math.isfinite(v))
        self.times = [t for t, _ in points]
        self.values = [v for _, v in points]

    def nearest(self, at: float, tolerance: float | None = None) -> float | None:
        i = bisect_left(self.times, at)
        best: int | None = None
        for j in (i - 1, i):
            if 0 <= j < len(self.times) and (
                best is None or abs(self.times[j] - at) < abs(self.times[best] - at)
            ):
                best = j
        if best is None or (tolerance is not None and abs(self.times[best] - at) > tolerance):
            return None
        return self.values[best]

    def between(self, start: float, end: float) -> list[float]:
        lo, hi = bisect_left(self.times, start), bisect_left(self.times, end)
        return self.values[lo:hi]
