"""A per-provider request budget: an async token bucket whose `acquire()` waits its turn.

Callers queue rather than fail: the upstream's own limit answers with 429 and a long
`Retry-After`, so spending our budget slowly is cheaper than hitting theirs. When it does answer
429 anyway, `pause()` stops the whole budget for the `Retry-After`, not just the one request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """`capacity` requests at once, refilled at `per_minute`; waiters are served first come,
    first served.

    FIFO order comes from `asyncio.Lock`, which wakes its waiters in arrival order: only the
    head of the queue waits for a token, everyone else waits for the lock. A caller cancelled
    while queued or while waiting for a token leaves without taking one.
    """

    def __init__(
        self,
        per_minute: float,
        capacity: int | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError(f"per_minute must be positive, got {per_minute}")
        self.per_minute = per_minute
        self.capacity = capacity if capacity is not None else default_capacity(per_minute)
        if self.capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {self.capacity}")
        self._per_second = per_minute / 60.0
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(self.capacity)
        self._updated = clock()
        self._paused_until = float("-inf")
        self._lock = asyncio.Lock()

    @property
    def available(self) -> float:
        """Tokens available right now (for status and tests)."""
        self._refill()
        return self._tokens

    def pause(self, seconds: float) -> None:
        """The upstream said to wait (a 429 with `Retry-After`): no token is given for
        `seconds`, and the bucket refills from empty afterwards, so the callers queued meanwhile
        do not meet the end of the pause with a burst."""
        until = self._clock() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self._tokens = 0.0
            self._updated = max(self._updated, until)  # the refill starts when the pause ends

    def paused_for(self) -> float:
        """Seconds left of a `pause()` (0 when the budget is not paused)."""
        return max(0.0, self._paused_until - self._clock())

    async def acquire(self) -> None:
        """Takes one token, waiting (in arrival order) until one is available."""
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1.0 - 1e-9:  # float sums of refills may fall short by an ulp
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return
                wait = self.paused_for() + (1.0 - self._tokens) / self._per_second
                await self._sleep(wait)

    def _refill(self) -> None:
        now = self._clock()
        if now <= self._updated:
            return
        elapsed = now - self._updated
        self._tokens = min(float(self.capacity), self._tokens + elapsed * self._per_second)
        self._updated = now


def default_capacity(per_minute: float) -> int:
    """A burst of about five seconds' worth of requests (at least one)."""
    return max(1, round(per_minute / 12))
