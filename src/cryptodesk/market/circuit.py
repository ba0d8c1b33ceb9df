"""A short circuit per upstream: an unreachable host is known once, then re-probed quietly.

The first network-level failure (connection refused, DNS failure, connect timeout) opens the
circuit; a 4xx or 5xx never does, because an error answer proves the host is reachable. While
the circuit is open, calls fail at once with the error that opened it: no connection attempt,
no token of the rate budget, no retry. A background task probes the upstream with one cheap
request after 15 s, then twice as long after each failed probe (up to 2 min), and closes the
circuit as soon as the probe gets any answer. A call that gets an answer closes it as well.

Without this, every call in a network outage paid for its own connection attempts and retries
(seconds per question), and did so again whenever a fixed offline window ran out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from cryptodesk.errors import CryptoDeskError, UpstreamUnavailableError, UpstreamUnreachableError

logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[object]]
"""One cheap request to the upstream. Raises `UpstreamUnreachableError` while the host cannot
be reached; any other outcome, an error answer included, means it can."""
Sleep = Callable[[float], Awaitable[None]]

FIRST_PROBE_S = 15.0
MAX_PROBE_WAIT_S = 120.0


class Circuit:
    def __init__(
        self,
        upstream: str,
        probe: Probe,
        *,
        first_probe_s: float = FIRST_PROBE_S,
        max_probe_wait_s: float = MAX_PROBE_WAIT_S,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.upstream = upstream
        self._probe = probe
        self._first_probe_s = first_probe_s
        self._max_probe_wait_s = max_probe_wait_s
        self._sleep = sleep
        self._error: UpstreamUnreachableError | None = None
        self._opened = asyncio.Event()
        self._since: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self.probes = 0
        """Probes made so far (status and tests)."""

    @property
    def error(self) -> UpstreamUnreachableError | None:
        """Why the upstream is believed unreachable, or None while it is believed reachable."""
        return self._error

    @property
    def since(self) -> datetime | None:
        """When the circuit opened (UTC), or None while it is closed."""
        return self._since

    def check(self) -> None:
        """Raises (a fresh copy of) the error that opened the circuit, while it is open."""
        error = self._error
        if error is not None:
            raise UpstreamUnreachableError(error.provider, error.reason)

    async def unless_opened(self, waiting: Awaitable[None]) -> None:
        """Awaits `waiting` (e.g. a turn in the rate budget's queue), but gives it up and raises
        the circuit's error as soon as the circuit opens: a request queued behind others must
        not wait its turn only to find the host down."""
        self.check()
        turn = asyncio.ensure_future(waiting)
        opened = asyncio.ensure_future(self._opened.wait())
        try:
            await asyncio.wait((turn, opened), return_when=asyncio.FIRST_COMPLETED)
        finally:
            opened.cancel()
            if not turn.done():
                turn.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await turn
        if not turn.cancelled():
            turn.result()  # its own failure, if it failed
        self.check()

    def observe(self, error: CryptoDeskError | None) -> None:
        """Learns from a call's outcome: `None` (success) or an answer closes the circuit, a
        network-level failure opens it, a call that got no answer in time says nothing."""
        if isinstance(error, UpstreamUnreachableError):
            self.trip(error)
        elif isinstance(error, UpstreamUnavailableError) and error.failure == "no_answer":
            return
        else:
            self.close()

    def trip(self, error: UpstreamUnreachableError) -> None:
        if self._error is None:
            logger.warning(
                "%s is not reachable (%s): calls fail at once until a background probe "
                "gets an answer",
                self.upstream,
                error.reason,
            )
            self._since = datetime.now(UTC)
        self._error = error
        self._opened.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._reprobe(), name=f"probe-{self.upstream}")

    def close(self) -> None:
        if self._error is None:
            return
        logger.info("%s answers again", self.upstream)
        self._error = None
        self._opened.clear()
        self._since = None
        # The next outage probes from the first wait again, with a task of its own.
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _reprobe(self) -> None:
        wait = self._first_probe_s
        while self._error is not None:
            await self._sleep(wait)
            if self._error is None:
                return  # a call got an answer meanwhile
            self.probes += 1
            try:
                await self._probe()
            except UpstreamUnreachableError as e:
                self._error = e
                wait = min(wait * 2, self._max_probe_wait_s)
                logger.info("%s still unreachable; next probe in %.0f s", self.upstream, wait)
                continue
            except CryptoDeskError as e:
                logger.info("%s answered the probe with an error: %s", self.upstream, e.logged())
            except Exception:
                # A defect in the probe must not keep the upstream marked down for ever: the
                # circuit closes and the next real call finds out for itself.
                logger.exception("the probe of %s failed unexpectedly", self.upstream)
            self.close()
