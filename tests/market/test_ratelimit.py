from __future__ import annotations

import asyncio

import pytest

from cryptodesk.market.ratelimit import TokenBucket, default_capacity


class FakeTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_token_bucket_allows_a_burst_of_capacity_then_paces_at_the_rate() -> None:
    fake = FakeTime()
    bucket = TokenBucket(60, capacity=3, clock=fake.clock, sleep=fake.sleep)
    times = []
    for _ in range(6):
        await bucket.acquire()
        times.append(fake.now)
    assert times == pytest.approx([0.0, 0.0, 0.0, 1.0, 2.0, 3.0])


async def test_token_bucket_refills_up_to_capacity_only() -> None:
    fake = FakeTime()
    bucket = TokenBucket(60, capacity=2, clock=fake.clock, sleep=fake.sleep)
    await bucket.acquire()
    fake.now += 3600
    assert bucket.available == 2


async def test_token_bucket_serves_waiters_in_arrival_order() -> None:
    fake = FakeTime()
    bucket = TokenBucket(60, capacity=1, clock=fake.clock, sleep=fake.sleep)
    served: list[tuple[str, float]] = []

    async def take(name: str) -> None:
        await bucket.acquire()
        served.append((name, fake.now))

    tasks = [asyncio.create_task(take(name)) for name in "abcde"]
    await asyncio.gather(*tasks)
    assert served == [("a", 0.0), ("b", 1.0), ("c", 2.0), ("d", 3.0), ("e", 4.0)]


async def test_token_bucket_cancelled_waiter_takes_no_token_and_others_proceed() -> None:
    bucket = TokenBucket(600, capacity=1)  # one token every 0.1 s
    await bucket.acquire()
    second = asyncio.create_task(bucket.acquire())
    third = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0.02)
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    await asyncio.wait_for(third, timeout=1.0)
    assert bucket.available < 1.0  # the third took the token the second would have had


async def test_token_bucket_waits_instead_of_failing_when_empty() -> None:
    fake = FakeTime()
    bucket = TokenBucket(30, capacity=1, clock=fake.clock, sleep=fake.sleep)
    await bucket.acquire()
    await bucket.acquire()
    assert fake.now == pytest.approx(2.0)


def test_token_bucket_rejects_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="per_minute"):
        TokenBucket(0)


def test_token_bucket_default_capacity_is_about_five_seconds_of_requests() -> None:
    assert (default_capacity(25), default_capacity(500), default_capacity(1)) == (2, 42, 1)


async def test_token_bucket_pause_stops_every_caller_then_refills_from_empty() -> None:
    fake = FakeTime()
    bucket = TokenBucket(60, capacity=5, clock=fake.clock, sleep=fake.sleep)
    bucket.pause(30)
    bucket.pause(10)  # a shorter pause never shortens the current one
    assert bucket.paused_for() == 30 and bucket.available == 0
    times = []
    for _ in range(3):
        await bucket.acquire()
        times.append(fake.now)
    # No burst at the end of the pause: one token a second, as refilled from empty.
    assert times == pytest.approx([31.0, 32.0, 33.0])
    assert bucket.paused_for() == 0
