"""The real offline analyst, paced, for browser tests that need a run to last (a screenshot of
the live trace, the phone view while an answer arrives).

`PacedAnalyst` runs the server's own `OfflineAnalyst` and forwards every event it emits, in order
and unchanged; it only waits `pause_s` after each step that starts and each tool call, so that a
step and its tools stay current long enough to be seen. With `pause_s` 0 it is the analyst itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import FastAPI

from cryptodesk.domain.events import AgentStep, DomainEvent, EventSink, ToolCalled
from cryptodesk.engines.base import RunRequest


@dataclass
class _PacedSink:
    sink: EventSink
    pause_s: float

    async def emit(self, event: DomainEvent) -> None:
        await self.sink.emit(event)
        starts = isinstance(event, AgentStep) and event.status == "working" and not event.delta
        if starts or isinstance(event, ToolCalled):
            await asyncio.sleep(self.pause_s)


@dataclass
class PacedAnalyst:
    app: FastAPI | None = None
    """Set by the fixture that serves it: the analyst is the one its desk built."""
    pause_s: float = 0.0

    @property
    def name(self) -> str:
        return "offline"

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        if self.app is None:
            raise RuntimeError("PacedAnalyst.app is set by the fixture that serves it")
        analyst = self.app.state.desk.engines.for_request("offline")
        pause = self.pause_s
        await analyst.run(request, _PacedSink(sink, pause) if pause > 0 else sink)
