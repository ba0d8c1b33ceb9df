"""The one retry policy of every HTTP market provider.

Providers translate vendor failures into our errors first; the policy then retries exactly the
retryable ones (`RateLimitedError`, `UpstreamUnavailableError`: 429, 5xx, timeouts, connection
errors), never another 4xx. Waits grow exponentially with jitter, a `Retry-After` replaces the
backoff, and every wait is capped by `max_wait_s`. `asyncio.CancelledError` is never caught.
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

from cryptodesk.errors import MarketDataError, RateLimitedError

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


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
        """`call()`, retried while it raises a retryable `MarketDataError`."""
        attempt = 1
        while True:
            try:
                return await call()
            except MarketDataError as e:
                if not e.retryable or attempt >= self.max_attempts:
                    raise
                wait = self.wait_s(attempt, e)
                logger.warning(
                    "%s failed (attempt %d of %d): %s; retrying in %.2f s",
                    what,
                    attempt,
                    self.max_attempts,
                    e.message,
                    wait,
                )
            await self.sleep(wait)
            attempt += 1


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
