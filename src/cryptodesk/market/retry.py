"""The one retry policy of every market provider (CoinGecko, exchanges), built on tenacity.

Providers translate vendor failures into our errors first; the policy then retries exactly the
retryable ones (`RateLimitedError`, `UpstreamUnavailableError`: 429, 5xx, timeouts), never
another 4xx and never an unreachable host (`UpstreamUnreachableError`: the upstream's circuit
remembers it and re-probes in the background, so retrying at once would only repeat the failure).
Waits grow exponentially with jitter, a `Retry-After` replaces the backoff, and every wait is
capped by `max_wait_s`. `asyncio.CancelledError` is never retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from cryptodesk.errors import MarketDataError, RateLimitedError, UpstreamUnreachableError

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


def _retryable(error: BaseException) -> bool:
    if isinstance(error, UpstreamUnreachableError):
        return False  # its circuit is open now: another attempt would fail the same way
    return isinstance(error, MarketDataError) and error.retryable


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    """Attempts in all, the first included."""
    max_wait_s: float = 30.0
    """Cap of one wait, `Retry-After` included."""
    base_wait_s: float = 0.5
    sleep: Sleep = field(default=asyncio.sleep, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)
    """A number in [0, 1); the wait is scaled by 0.5 + jitter()."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")

    def wait_s(self, attempt: int, error: MarketDataError) -> float:
        """How long to wait after failed attempt number `attempt` (1-based)."""
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_wait_s)
        backoff = self.base_wait_s * 2.0 ** (attempt - 1) * (0.5 + self.jitter())
        return min(backoff, self.max_wait_s)

    async def run(self, call: Callable[[], Awaitable[T]], *, what: str) -> T:
        """`call()`, retried while it raises a retryable `MarketDataError`; the last error
        propagates unchanged."""

        def wait(state: RetryCallState) -> float:
            return self.wait_s(state.attempt_number, _error_of(state))

        def log_retry(state: RetryCallState) -> None:
            logger.warning(
                "%s failed (attempt %d of %d): %s; retrying in %.2f s",
                what,
                state.attempt_number,
                self.max_attempts,
                _error_of(state).logged(),
                state.upcoming_sleep,
            )

        retrying = AsyncRetrying(
            sleep=self.sleep,
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception(_retryable),
            before_sleep=log_retry,
            reraise=True,
        )
        # The attempt loop rather than `retrying(call)`: tenacity awaits only what it can tell
        # is a coroutine function, and `call` is often a lambda returning a coroutine.
        async for attempt in retrying:
            with attempt:
                return await call()
        raise AssertionError("tenacity ended the attempts without an outcome")


def _error_of(state: RetryCallState) -> MarketDataError:
    error = state.outcome.exception() if state.outcome is not None else None
    if not isinstance(error, MarketDataError):  # only these are retried
        raise TypeError(f"no retryable error in {state!r}")
    return error


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
