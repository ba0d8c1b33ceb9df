"""No eternal spinner: a run whose LLM stops sending ends, and a slow one shows it is alive.

`Activity` is what one run's LLM calls and tools report: every streamed chunk, every tool that
starts or ends. The `Watchdog` guards the team's work: when nothing arrived for
`llm_stall_timeout_s` while no tool runs (a tool has its own timeout), it cancels the work and
raises `LlmError("llm_stalled")`, which the engine answers like any LLM failure (a recoverable
error, then the offline analyst). While chunks keep arriving but no frame went out (a manager's
ledger, which is not shown as it streams), it sends a progress frame every `KEEPALIVE_S` so a
client can tell a slow model from a dead one.

`Activity` also measures the run's busy time (an LLM call or a tool in flight), the time the
benchmark subtracts from the wall time to get the orchestration's own overhead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from cryptodesk.domain.events import DomainEvent, EventSink
from cryptodesk.errors import LlmError

KEEPALIVE_S = 5.0
"""Longest silence on the socket while the model is still sending (never above half the stall
timeout)."""

T = TypeVar("T")


class Activity:
    """When the run's LLM calls and tools last showed life, and how long something was busy."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.last_frame = self.last
        self.tools = 0
        """Tool calls in flight."""
        self.busy_s = 0.0
        """Time during which at least one LLM call or tool was in flight."""
        self._in_flight = 0
        self._busy_from = 0.0
        self.busy = asyncio.Event()
        """Set once the first LLM call or tool is in flight."""

    def touch(self) -> None:
        self.last = time.monotonic()

    def enter(self, *, tool: bool = False) -> None:
        if self._in_flight == 0:
            self._busy_from = time.perf_counter()
            self.busy.set()
        self._in_flight += 1
        self.tools += tool
        self.touch()

    def leave(self, *, tool: bool = False) -> None:
        self._in_flight -= 1
        self.tools -= tool
        if self._in_flight == 0:
            self.busy_s += time.perf_counter() - self._busy_from
        self.touch()


class WatchedSink:
    """The engine's sink, noting when the last frame went out (for keep-alives)."""

    def __init__(self, sink: EventSink, activity: Activity) -> None:
        self._sink = sink
        self._activity = activity

    async def emit(self, event: DomainEvent) -> None:
        self._activity.last_frame = time.monotonic()
        await self._sink.emit(event)


class Watchdog:
    def __init__(
        self,
        activity: Activity,
        timeout_s: float,
        keepalive: Callable[[], Awaitable[None]],
    ) -> None:
        self._activity = activity
        self._timeout_s = timeout_s
        self._keepalive_s = min(KEEPALIVE_S, timeout_s / 2)
        self._keepalive = keepalive

    async def guard(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`'s result; `LlmError("llm_stalled")` once the LLM went silent for the timeout
        (the work is cancelled first). A cancel of the caller cancels the work too."""
        task = asyncio.ensure_future(work)
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self._wait_s())
                if task in done:
                    return task.result()
                now = time.monotonic()
                activity = self._activity
                if activity.tools == 0 and now - activity.last >= self._timeout_s:
                    break
                silent = now - activity.last_frame >= self._keepalive_s
                if silent and (activity.last > activity.last_frame or activity.tools):
                    await self._keepalive()
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        raise LlmError(
            "llm_stalled",
            f"The LLM stopped sending: no token and no tool progress for {self._timeout_s:g} s.",
            details=f"llm_stall_timeout_s={self._timeout_s:g}",
        )

    def _wait_s(self) -> float:
        """Until the stall deadline or the next keep-alive, whichever comes first."""
        now = time.monotonic()
        activity = self._activity
        wake = activity.last_frame + self._keepalive_s
        if wake <= now:  # silent, with nothing to keep alive: look again later
            wake = now + self._keepalive_s
        if activity.tools == 0:
            wake = min(wake, activity.last + self._timeout_s)
        return max(wake - now, 0.01)
