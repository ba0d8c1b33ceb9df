"""A TTL cache for one kind of market data: single-flight, stale-on-error, bounded (LRU).

- Concurrent identical requests share one upstream call; every waiter gets its result or its
  error.
- When the upstream fails with a retryable error (unavailable, rate limited) and an expired value
  is still within `stale_ttl_s`, that value is returned marked stale, with its age.
- At most `max_entries` values are kept; the least recently used goes first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from cryptodesk.errors import MarketDataError
from cryptodesk.market.schemas import Timeframe

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


def _candle_ttls() -> dict[Timeframe, float]:
    return {"5m": 30.0, "15m": 60.0, "1h": 300.0, "4h": 900.0, "1d": 1800.0, "1w": 3600.0}


@dataclass(frozen=True, slots=True)
class CacheTtls:
    """How long each kind of market data stays fresh, and how long it may be served stale."""

    price_s: float = 30.0
    markets_s: float = 60.0
    candles_s: dict[Timeframe, float] = field(default_factory=_candle_ttls)
    global_s: float = 600.0
    trending_s: float = 600.0
    search_s: float = 900.0
    stale_s: float = 3600.0
    """Expired values are kept this long (from their fetch) to answer when the upstream fails."""
    max_entries: int = 256


class Sourced(Protocol):
    @property
    def source(self) -> str: ...

    @property
    def as_of(self) -> datetime: ...


T = TypeVar("T", bound=Sourced)


@dataclass(frozen=True, slots=True)
class Cached(Generic[T]):
    """A value as the cache hands it out: how old it is and whether it is past its TTL."""

    value: T
    stale: bool
    age_s: float
    """Seconds since the value was fetched from the upstream."""

    @property
    def source(self) -> str:
        return self.value.source

    @property
    def as_of(self) -> datetime:
        return self.value.as_of


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T
    fetched_at: float
    fresh_until: float
    keep_until: float


@dataclass(slots=True)
class _Flight(Generic[T]):
    task: asyncio.Task[T]
    waiters: int = 0
    abandoned: bool = False


class TtlCache(Generic[T]):
    def __init__(
        self,
        kind: str,
        ttl_s: float,
        stale_ttl_s: float,
        *,
        max_entries: int = 256,
        clock: Clock = time.monotonic,
    ) -> None:
        if stale_ttl_s < ttl_s:
            raise ValueError("stale_ttl_s must be at least ttl_s")
        self.kind = kind
        self.ttl_s = ttl_s
        self.stale_ttl_s = stale_ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry[T]] = OrderedDict()
        self._flights: dict[Hashable, _Flight[T]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: Hashable) -> Cached[T] | None:
        """The cached value for `key` while it is fresh, without fetching."""
        entry = self._entries.get(key)
        now = self._clock()
        if entry is None or now >= entry.fresh_until:
            return None
        return Cached(entry.value, stale=False, age_s=now - entry.fetched_at)

    def recall(self, key: Hashable) -> Cached[T] | None:
        """The value for `key` without fetching: fresh, or marked stale while within the stale
        TTL (for when the upstream is known to be down)."""
        entry = self._entries.get(key)
        now = self._clock()
        if entry is None or now >= entry.keep_until:
            return None
        return Cached(entry.value, stale=now >= entry.fresh_until, age_s=now - entry.fetched_at)

    async def get(
        self, key: Hashable, fetch: Callable[[], Awaitable[T]], *, ttl_s: float | None = None
    ) -> Cached[T]:
        """The value for `key`: cached while fresh, else fetched once for all concurrent callers."""
        hit = self.peek(key)
        if hit is not None:
            self._entries.move_to_end(key)
            return hit
        try:
            value = await self._join(key, fetch, self.ttl_s if ttl_s is None else ttl_s)
        except MarketDataError as e:
            stale = self._stale(key, e)
            if stale is None:
                raise
            return stale
        return Cached(value, stale=False, age_s=0.0)

    async def _join(self, key: Hashable, fetch: Callable[[], Awaitable[T]], ttl_s: float) -> T:
        flight = self._flights.get(key)
        if flight is None or flight.abandoned:
            task = asyncio.create_task(self._fill(key, fetch, ttl_s), name=f"{self.kind}:{key}")
            flight = _Flight(task)
            self._flights[key] = flight
            task.add_done_callback(lambda done: self._land(key, flight, done))
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            # The last caller to give up takes the upstream call down with it.
            if flight.waiters == 1 and not flight.task.done():
                flight.abandoned = True
                flight.task.cancel()
            raise
        finally:
            flight.waiters -= 1

    async def _fill(self, key: Hashable, fetch: Callable[[], Awaitable[T]], ttl_s: float) -> T:
        value = await fetch()
        now = self._clock()
        self._entries[key] = _Entry(value, now, now + ttl_s, now + max(ttl_s, self.stale_ttl_s))
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value

    def _land(self, key: Hashable, flight: _Flight[T], task: asyncio.Task[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        # Every waiter may have given up: the error was theirs to see, not the event loop's log.
        if not task.cancelled():
            task.exception()

    def _stale(self, key: Hashable, error: MarketDataError) -> Cached[T] | None:
        entry = self._entries.get(key)
        now = self._clock()
        if not error.retryable or entry is None or now >= entry.keep_until:
            return None
        age = now - entry.fetched_at
        logger.warning(
            "%s %s: serving a stale value (age %.0f s) because %s", self.kind, key, age, error
        )
        return Cached(entry.value, stale=True, age_s=age)

    async def aclose(self) -> None:
        """Cancels upstream calls still in flight."""
        tasks = [flight.task for flight in self._flights.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
