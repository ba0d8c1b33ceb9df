"""One run's memory of candles, indicator lines and levels, so no tool fetches or computes twice.

Within a run every tool then also sees the same snapshot of the market. The memo also remembers
which tool call first computed a line or the levels of a series (`origin`), so a later reading
built on the same values (the outlook's signals) can name the call they came from. Tools of one
step run concurrently, so candles are fetched once for all callers that ask at the same time (a
failed fetch is not remembered: a later step tries again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from cryptodesk.analysis.indicators import IndicatorName, compute
from cryptodesk.analysis.levels import Level, find_levels
from cryptodesk.market.ohlcv import FloatArray, Ohlcv
from cryptodesk.market.schemas import Candles, Timeframe
from cryptodesk.tools.context import CallRef, current_call

if TYPE_CHECKING:
    from cryptodesk.market.service import MarketDataService

_SeriesKey = tuple[str, Timeframe, datetime, int]
_CandlesKey = tuple[str, Timeframe, int]
LEVELS = "levels"
"""The `origin` name of a series' support and resistance levels."""


def _series_key(candles: Candles) -> _SeriesKey:
    return (candles.coin_id, candles.timeframe, candles.as_of, len(candles.candles))


class RunMemo:
    def __init__(self) -> None:
        self._candles: dict[_CandlesKey, asyncio.Future[Candles]] = {}
        self._series: dict[_SeriesKey, Ohlcv] = {}
        self._lines: dict[tuple[_SeriesKey, IndicatorName], dict[str, FloatArray]] = {}
        self._levels: dict[_SeriesKey, tuple[Level, ...]] = {}
        self._origin: dict[tuple[_SeriesKey, str], CallRef] = {}

    async def candles(
        self, market: MarketDataService, coin: str, timeframe: Timeframe, limit: int
    ) -> Candles:
        key = ((await market.lookup_coin(coin)).id, timeframe, limit)
        pending = self._candles.get(key)
        if pending is None:
            # Concurrent calls of one step wait for the first fetch instead of repeating it.
            pending = asyncio.ensure_future(market.get_ohlc(coin, timeframe, limit))
            self._candles[key] = pending

            def forget_failure(done: asyncio.Future[Candles]) -> None:
                if done.cancelled() or done.exception() is not None:
                    if self._candles.get(key) is done:
                        del self._candles[key]

            pending.add_done_callback(forget_failure)
        # Shielded: a tool that times out leaves the fetch to the others waiting for it.
        return await asyncio.shield(pending)

    def series(self, candles: Candles) -> Ohlcv:
        key = _series_key(candles)
        cached = self._series.get(key)
        if cached is None:
            cached = Ohlcv.from_candles(candles)
            self._series[key] = cached
        return cached

    def lines(self, candles: Candles, names: Iterable[IndicatorName]) -> dict[str, FloatArray]:
        """Indicator lines over `candles`, keyed as `indicators.compute` keys them."""
        series_key = _series_key(candles)
        result: dict[str, FloatArray] = {}
        for name in dict.fromkeys(names):
            cached = self._lines.get((series_key, name))
            if cached is None:
                cached = compute(self.series(candles), (name,))
                self._lines[(series_key, name)] = cached
            self._note(series_key, name)
            result.update(cached)
        return result

    def levels(self, candles: Candles) -> tuple[Level, ...]:
        """Support and resistance levels of `candles` (`levels.find_levels`, its defaults)."""
        key = _series_key(candles)
        cached = self._levels.get(key)
        if cached is None:
            series = self.series(candles)
            cached = find_levels(series.high, series.low, series.close)
            self._levels[key] = cached
        self._note(key, LEVELS)
        return cached

    def origin(self, candles: Candles, name: str) -> CallRef | None:
        """The first tool call that asked for line `name` (or `LEVELS`) of `candles`."""
        return self._origin.get((_series_key(candles), name))

    def _note(self, key: _SeriesKey, name: str) -> None:
        call = current_call.get()
        if call is not None:
            self._origin.setdefault((key, name), call)
