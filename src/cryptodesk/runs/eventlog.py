"""A run's event log writer: frames are committed in batches, then published in order.

Every frame is stored before anyone sees it, but the run does not wait for each commit: frames
queue here, one flusher task commits whatever has queued in a single transaction and then
publishes those frames to the hub in `seq` order. Under load this turns many small commits and
many socket wake-ups into a few large ones. The queue is bounded: when it is full the run waits.
"""

from __future__ import annotations

import asyncio
import logging

from cryptodesk.realtime.hub import Hub
from cryptodesk.store.runs import PendingEvent, RunRepo

log = logging.getLogger(__name__)

MAX_PENDING = 500


class RunLog:
    def __init__(self, repo: RunRepo, hub: Hub, run_id: str, conversation_id: str) -> None:
        self._repo = repo
        self._hub = hub
        self._run_id = run_id
        self._conversation_id = conversation_id
        self._pending: list[PendingEvent] = []
        self._flusher: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    async def append(self, seq: int, type_: str, text: str) -> None:
        """Queues a frame; waits only when the queue is full. Raises if storing failed."""
        if self._error is not None:
            raise RuntimeError("the run's event log could not be written") from self._error
        self._pending.append(PendingEvent(seq, type_, text))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_loop(), name=f"eventlog-{self._run_id}")
        if len(self._pending) >= MAX_PENDING:
            await self.flush()

    async def flush(self) -> None:
        """Waits until every queued frame is stored and published (a cancel does not stop it)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.wait([self._flusher])
        if self._error is not None:
            raise RuntimeError("the run's event log could not be written") from self._error

    async def _flush_loop(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                await self._repo.append_events(self._run_id, batch)
                for event in batch:
                    self._hub.publish(self._conversation_id, self._run_id, event.seq, event.text)
        except Exception as exc:
            log.exception("could not store the frames of run %s", self._run_id)
            self._error = exc
