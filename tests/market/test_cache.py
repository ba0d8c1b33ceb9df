from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from cryptodesk.errors import CoinNotFoundError, RateLimitedError, UpstreamUnavailableError
from cryptodesk.market.cache import TtlCache

AS_OF = datetime(2026, 5, 1, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Value:
    n: int
    source: str = "test"
    as_of: datetime = AS_OF


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """Counts calls; returns Value(1), Value(2), ... or raises what it is told to."""

    def __init__(self) -> None:
        self.calls = 0
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.cancelled = 0

    async def __call__(self) -> Value:
        self.calls += 1
        if self.gate is not None:
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        if self.error is not None:
            raise self.error
        return Value(self.calls)


def cache(clock: Clock, ttl: float = 30, stale: float = 300, size: int = 16) -> TtlCache[Value]:
    return TtlCache("test", ttl, stale, max_entries=size, clock=clock)


async def test_cache_hit_makes_no_upstream_call() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock)
    first = await values.get("k", upstream)
    clock.now += 29
    second = await values.get("k", upstream)
    assert upstream.calls == 1
    assert second.value is first.value
    assert (second.stale, second.age_s) == (False, 29)
    assert (second.source, second.as_of) == ("test", AS_OF)


async def test_cache_fetches_again_once_the_ttl_has_passed() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock)
    await values.get("k", upstream)
    clock.now += 30
    again = await values.get("k", upstream)
    assert (upstream.calls, again.value.n, again.age_s) == (2, 2, 0.0)


async def test_cache_ttl_can_be_given_per_call() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock, ttl=30)
    await values.get("k", upstream, ttl_s=300)
    clock.now += 200
    await values.get("k", upstream)
    assert upstream.calls == 1


async def test_cache_coalesces_50_concurrent_identical_requests_into_one_call() -> None:
    clock, upstream = Clock(), Upstream()
    upstream.gate = asyncio.Event()
    values = cache(clock)
    waiters = [asyncio.create_task(values.get("k", upstream)) for _ in range(50)]
    await asyncio.sleep(0.01)
    upstream.gate.set()
    results = await asyncio.gather(*waiters)
    assert upstream.calls == 1
    assert {id(result.value) for result in results} == {id(results[0].value)}


async def test_cache_coalesced_waiters_all_get_the_same_error() -> None:
    clock, upstream = Clock(), Upstream()
    upstream.gate = asyncio.Event()
    upstream.error = CoinNotFoundError("nope")
    values = cache(clock)
    waiters = [asyncio.create_task(values.get("k", upstream)) for _ in range(10)]
    await asyncio.sleep(0.01)
    upstream.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert upstream.calls == 1
    assert all(result is upstream.error for result in results)


async def test_cache_distinct_keys_are_fetched_separately() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock)
    await asyncio.gather(values.get("a", upstream), values.get("b", upstream))
    assert upstream.calls == 2


@pytest.mark.parametrize(
    "error", [UpstreamUnavailableError("test", "HTTP 500"), RateLimitedError("test", 60)]
)
async def test_cache_serves_the_expired_value_marked_stale_when_the_upstream_fails(
    error: Exception,
) -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock, ttl=30, stale=300)
    await values.get("k", upstream)
    clock.now += 95
    upstream.error = error
    stale = await values.get("k", upstream)
    assert (stale.value.n, stale.stale, stale.age_s) == (1, True, 95)
    assert upstream.calls == 2


async def test_cache_raises_a_non_retryable_error_even_with_an_old_value() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock)
    await values.get("k", upstream)
    clock.now += 60
    upstream.error = CoinNotFoundError("k")
    with pytest.raises(CoinNotFoundError):
        await values.get("k", upstream)


async def test_cache_forgets_values_older_than_the_stale_ttl() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock, ttl=30, stale=300)
    await values.get("k", upstream)
    clock.now += 301
    upstream.error = UpstreamUnavailableError("test", "HTTP 500")
    with pytest.raises(UpstreamUnavailableError):
        await values.get("k", upstream)


async def test_cache_evicts_the_least_recently_used_value() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock, size=2)
    await values.get("a", upstream)
    await values.get("b", upstream)
    await values.get("a", upstream)  # a is now the most recently used
    await values.get("c", upstream)
    assert len(values) == 2
    assert values.peek("a") is not None and values.peek("c") is not None
    assert values.peek("b") is None


async def test_cache_one_cancelled_waiter_does_not_cancel_the_shared_call() -> None:
    clock, upstream = Clock(), Upstream()
    upstream.gate = asyncio.Event()
    values = cache(clock)
    first = asyncio.create_task(values.get("k", upstream))
    second = asyncio.create_task(values.get("k", upstream))
    await asyncio.sleep(0.01)
    first.cancel()
    upstream.gate.set()
    assert (await second).value.n == 1
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (upstream.calls, upstream.cancelled) == (1, 0)


async def test_cache_cancelling_every_waiter_cancels_the_upstream_call() -> None:
    clock, upstream = Clock(), Upstream()
    upstream.gate = asyncio.Event()
    values = cache(clock)
    waiter = asyncio.create_task(values.get("k", upstream))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await asyncio.sleep(0.01)
    assert upstream.cancelled == 1
    upstream.gate = None
    fresh = await values.get("k", upstream)  # a new call, not the abandoned one
    assert (fresh.value.n, upstream.calls) == (2, 2)
    assert values.peek("k") is not None


async def test_cache_recall_returns_held_values_without_fetching() -> None:
    clock, upstream = Clock(), Upstream()
    values = cache(clock, ttl=30, stale=300)
    assert values.recall("k") is None
    await values.get("k", upstream)
    clock.now += 10
    fresh = values.recall("k")
    assert fresh is not None and (fresh.stale, fresh.age_s) == (False, 10)
    clock.now += 90
    stale = values.recall("k")
    assert stale is not None and (stale.stale, stale.age_s) == (True, 100)
    clock.now += 200
    assert values.recall("k") is None
    assert upstream.calls == 1
