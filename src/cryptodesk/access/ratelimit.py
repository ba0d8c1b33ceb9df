"""Failed access attempts per client address (a wrong /login, a wrong Bearer token): a sliding
minute; beyond the limit, 429 with Retry-After. One limiter serves /login and the guard.

/login reserves its attempt before it reads the body (counted as failed up front, cleared on
success), so concurrent or slow requests cannot all pass the check before any is recorded.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0
MAX_CLIENTS = 10_000


class AttemptLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None when it may try now."""
        failures = self._recent(client)
        if len(failures) < self._limit:
            return None
        return max(1, math.ceil(failures[0] + WINDOW_S - self._clock()))

    def reserve(self, client: str) -> int | None:
        """Records an attempt as failed before it is made (`succeeded` clears it), in the same
        step as the check; returns the seconds to wait instead when the limit is reached."""
        wait = self.retry_after(client)
        if wait is None:
            self.failed(client)
        return wait

    def failed(self, client: str) -> None:
        if len(self._failures) >= MAX_CLIENTS:
            self._failures.clear()  # bounded memory under a flood of addresses
        self._recent(client).append(self._clock())

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        cutoff = self._clock() - WINDOW_S
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures
