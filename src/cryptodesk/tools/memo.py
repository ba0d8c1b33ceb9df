"""One run's memory of candles and indicator lines, so no tool fetches or computes twice.

Within a run every tool then also sees the same snapshot of the market. Tools of one step run
concurrently, so candles are fetched once for all callers that ask at the same time (a failed
fetch is not remembered: a later step tries again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from cryptodesk.analysis.indicators import IndicatorName, compute
from cryptodesk.market.ohlcv import FloatArray, Ohlcv
from cryptodesk.market.schemas import Candles, Timeframe

if TYPE_CHECKING:
    from cryptodesk.market.service import MarketDataService

_SeriesKey = tuple[str, Timeframe, datetime, int]


def _series_key(candles: Candles) -> _SeriesKey:
    return (candles.coin_id, candles.timeframe, candles.as_of, len(candles.candles))


class RunMemo:
    def __init__(self) -> None:
        self._candles: dict[tuple[str, Timeframe, int], asyncio.Future[Candles]] = {}
        self._series: dict[_SeriesKey, Ohlcv] = {}
        self._lines: dict[tuple[_SeriesKey, IndicatorName], dict[str, FloatArray]] = {}

    async def candles(
        self, market: MarketDataService, coin: str, timeframe: Timeframe, limit: int
    ) -> Candles:
        key = ((await market.lookup_coin(coin)).id, timeframe, limit)
        pending = self._candles.get(key)
        if pending is None:
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
            result.update(cached)
        return result
