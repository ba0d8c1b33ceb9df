from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from cryptodesk.errors import (
    BadCredentialsError,
    CoinNotFoundError,
    MarketDataError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)
from cryptodesk.market.retry import RetryPolicy, parse_retry_after


class Script:
    """A call that raises the scripted errors in turn, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(waits: list[float], **kwargs: float) -> RetryPolicy:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return RetryPolicy(sleep=record, jitter=lambda: 0.5, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        UpstreamUnavailableError("x", "HTTP 503"),
        RateLimitedError("x"),
    ],
)
async def test_retry_retries_retryable_errors_then_succeeds(error: MarketDataError) -> None:
    waits: list[float] = []
    call = Script(error, error)
    assert await policy(waits).run(call, what="test") == "ok"
    assert call.calls == 3
    assert len(waits) == 2


@pytest.mark.parametrize(
    "error",
    [
        BadCredentialsError("x", "bad key"),
        CoinNotFoundError("nope"),
        MarketDataError("?"),
        # The upstream's circuit re-probes an unreachable host; retrying at once repeats it.
        UpstreamUnreachableError("x", "refused"),
    ],
)
async def test_retry_never_retries_errors_that_are_not_retryable(error: MarketDataError) -> None:
    waits: list[float] = []
    call = Script(error)
    with pytest.raises(type(error)):
        await policy(waits).run(call, what="test")
    assert (call.calls, waits) == (1, [])


async def test_retry_backoff_grows_exponentially_with_jitter() -> None:
    waits: list[float] = []
    error = UpstreamUnavailableError("x", "HTTP 500")
    call = Script(error, error, error)
    await policy(waits, max_attempts=4, base_wait_s=0.5).run(call, what="test")
    assert waits == [0.5, 1.0, 2.0]  # jitter 0.5 scales by exactly 1


async def test_retry_wait_is_capped_by_max_wait() -> None:
    waits: list[float] = []
    error = UpstreamUnavailableError("x", "HTTP 500")
    await policy(waits, max_attempts=4, base_wait_s=10, max_wait_s=15).run(
        Script(error, error, error), what="test"
    )
    assert waits == [10.0, 15.0, 15.0]


async def test_retry_honours_retry_after_instead_of_backoff() -> None:
    waits: list[float] = []
    await policy(waits, max_wait_s=30).run(Script(RateLimitedError("x", 7.0)), what="test")
    assert waits == [7.0]


async def test_retry_caps_a_long_retry_after_by_max_wait() -> None:
    waits: list[float] = []
    await policy(waits, max_wait_s=30).run(Script(RateLimitedError("x", 119.0)), what="test")
    assert waits == [30.0]


async def test_retry_gives_up_after_max_attempts_with_the_last_error() -> None:
    waits: list[float] = []
    last = UpstreamUnavailableError("x", "third")
    call = Script(
        UpstreamUnavailableError("x", "first"), UpstreamUnavailableError("x", "second"), last
    )
    with pytest.raises(UpstreamUnavailableError) as caught:
        await policy(waits, max_attempts=3).run(call, what="test")
    assert caught.value is last
    assert call.calls == 3


async def test_retry_does_not_swallow_cancellation() -> None:
    waits: list[float] = []
    call = Script(asyncio.CancelledError())
    with pytest.raises(asyncio.CancelledError):
        await policy(waits).run(call, what="test")
    assert (call.calls, waits) == (1, [])


async def test_retry_cancelled_while_waiting_propagates() -> None:
    policy_ = RetryPolicy(base_wait_s=10, max_wait_s=10)
    task = asyncio.create_task(
        policy_.run(Script(UpstreamUnavailableError("x", "HTTP 500")), what="test")
    )
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_parse_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 17, 9, 0, 0, tzinfo=UTC)
    assert parse_retry_after("119") == 119.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("Fri, 17 Jan 2025 09:00:30 GMT", now) == 30.0
    assert parse_retry_after("Fri, 17 Jan 2025 08:59:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
