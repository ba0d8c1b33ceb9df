"""Batched reads for the watcher and the watchlist: many coins' prices in one upstream request,
and their sparklines.

Live, a batch is one `/simple/price` request (per 100 coins) cached like any price (single
flight, stale on a retryable error), and the sparklines are one `/coins/markets` request cached
an hour. While CoinGecko is unreachable in `auto` mode the demo market stands in, every value
labelled `fallback` and `simulated`. Replay and demo read their local data coin by coin (no
budget to spend).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cryptodesk.errors import CoinNotFoundError, DataUnavailableError, UpstreamUnreachableError
from cryptodesk.market.cache import Cached, CacheTtls, TtlCache
from cryptodesk.market.live import LiveProvider
from cryptodesk.market.provider import MarketDataProvider
from cryptodesk.market.schemas import (
    PriceQuote,
    Sparkline,
    Sparklines,
    SpotPrice,
    SpotPrices,
)

SPARKLINE_TTL_S = 3600.0
"""Seven days of hourly points: an hour-old line is as good as a new one."""
SPARKLINE_HOURS = 24


class SpotReader:
    def __init__(
        self,
        provider: MarketDataProvider,
        live: LiveProvider | None,
        fallback: MarketDataProvider | None,
        ttls: CacheTtls,
        clock: Callable[[], float],
    ) -> None:
        self._provider = provider
        self._live = live
        self._fallback = fallback
        stale_s = max(ttls.price_s, ttls.stale_s)
        self._prices: TtlCache[SpotPrices] = TtlCache(
            "spot prices", ttls.price_s, stale_s, max_entries=16, clock=clock
        )
        self._lines: TtlCache[Sparklines] = TtlCache(
            "sparklines", SPARKLINE_TTL_S, 4 * SPARKLINE_TTL_S, max_entries=16, clock=clock
        )

    async def prices(self, coin_ids: Sequence[str], max_age_s: float | None = None) -> SpotPrices:
        """`max_age_s`: how long the answer may be reused (default: the price TTL); the watcher
        asks for prices as fresh as its poll interval."""
        ids = tuple(sorted(set(coin_ids)))
        live = self._live
        if live is None:
            return await _local_prices(self._provider, ids)
        if self._fallback is not None and live.client.circuit.error is not None:
            recalled = self._prices.recall(ids)
            if recalled is not None:
                return _labelled(recalled)
            return _as_fallback(await _local_prices(self._fallback, ids))
        try:
            fetch = lambda: live.get_prices(ids)  # noqa: E731 - one line, read once
            return _labelled(await self._prices.get(ids, fetch, ttl_s=max_age_s))
        except UpstreamUnreachableError:
            if self._fallback is None:
                raise
            return _as_fallback(await _local_prices(self._fallback, ids))

    async def sparklines(self, coin_ids: Sequence[str]) -> Sparklines:
        """The last day of hourly prices per coin (only coins the source knows)."""
        ids = tuple(sorted(set(coin_ids)))
        live = self._live
        if live is None or (self._fallback is not None and live.client.circuit.error):
            source = self._provider if live is None else self._fallback
            assert source is not None  # noqa: S101 - the condition above
            return await _local_lines(source, ids)
        cached = await self._lines.get(ids, lambda: live.sparklines(ids))
        lines = {
            coin_id: line.model_copy(update={"points": line.points[-SPARKLINE_HOURS:]})
            for coin_id, line in cached.value.lines.items()
        }
        return cached.value.model_copy(
            update={"lines": lines, "stale": cached.stale, "age_s": round(cached.age_s, 1)}
        )

    async def aclose(self) -> None:
        await self._prices.aclose()
        await self._lines.aclose()


async def _local_prices(provider: MarketDataProvider, ids: Sequence[str]) -> SpotPrices:
    quotes = await asyncio.gather(*(provider.get_price(i) for i in ids), return_exceptions=True)
    found: dict[str, SpotPrice] = {}
    missing: list[str] = []
    for coin_id, quote in zip(ids, quotes, strict=True):
        if isinstance(quote, CoinNotFoundError | DataUnavailableError):
            missing.append(coin_id)
        elif isinstance(quote, BaseException):
            raise quote
        else:
            found[coin_id] = _spot(quote)
    if not found and ids:
        raise DataUnavailableError(f"the {provider.name} market has none of {', '.join(ids)}")
    stamps = [price.as_of for price in found.values()]
    first = next(iter(q for q in quotes if isinstance(q, PriceQuote)), None)
    return SpotPrices(
        prices=found,
        missing=tuple(missing),
        source=first.source if first is not None else provider.name,
        as_of=min(stamps) if stamps else _now(),
        simulated=provider.simulated,
    )


async def _local_lines(provider: MarketDataProvider, ids: Sequence[str]) -> Sparklines:
    found = await asyncio.gather(
        *(provider.get_ohlc(i, "1h", SPARKLINE_HOURS) for i in ids), return_exceptions=True
    )
    lines: dict[str, Sparkline] = {}
    for coin_id, candles in zip(ids, found, strict=True):
        if isinstance(candles, CoinNotFoundError | DataUnavailableError):
            continue
        if isinstance(candles, BaseException):
            raise candles
        points = tuple(c.close for c in candles.candles)
        lines[coin_id] = Sparkline(coin_id=coin_id, points=points, as_of=candles.as_of)
    return Sparklines(lines=lines, source=provider.name, as_of=_now(), simulated=provider.simulated)


def _spot(quote: PriceQuote) -> SpotPrice:
    return SpotPrice(
        coin_id=quote.coin_id,
        price_usd=quote.price_usd,
        change_24h_pct=quote.change_24h_pct,
        volume_24h=quote.volume_24h,
        market_cap_usd=quote.market_cap_usd,
        as_of=quote.as_of,
    )


def _labelled(cached: Cached[SpotPrices]) -> SpotPrices:
    return cached.value.model_copy(update={"stale": cached.stale, "age_s": round(cached.age_s, 1)})


def _as_fallback(value: SpotPrices) -> SpotPrices:
    return value.model_copy(update={"fallback": True, "simulated": True})


def _now() -> datetime:
    return datetime.now(UTC)
