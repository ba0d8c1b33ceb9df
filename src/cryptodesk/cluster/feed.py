"""Frames of runs that other replicas write, for the subscribers of this one.

PostgreSQL stays the only store of frames. For each run of a conversation someone here follows,
and that another replica writes, a tail reads `seq > last` from the run's log, in order, and
hands the frames to the hub as one batch; the subscribers' writers drop what they already sent
and fill any gap from the log (`realtime.hub`), so a frame arrives exactly once however it was
found. A tail reads when the doorbell rings (`rang`, a notification `<run_id>:<last_seq>` sent
in the commit's transaction) and when the safety read, every `SAFETY_READ_S` and right after
the LISTEN connection (re)opens, finds a run of a followed conversation whose log went further
than its tail (the runs table's `last_seq` moves with every commit). A lost notification or a
LISTEN connection that is down therefore costs latency, never a frame.

A run seen for the first time is read from its start: a subscriber that began to follow its
conversation after it had ended ignores it (`Subscriber.ended_runs`; the REST API and a resume
serve history). Runs this process writes are left alone: their log hands its frames to the hub
itself. When one of them is taken over by another replica, or ends, `released` starts (or
closes) its tail where the local subscribers stand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptodesk.errors import StorageError
from cryptodesk.realtime.hub import Hub, LiveBatch
from cryptodesk.runs.manager import RunManager
from cryptodesk.store.runleases import RunCursor
from cryptodesk.store.store import Store

log = logging.getLogger(__name__)

SAFETY_READ_S = 2.0
CLOCK_SKEW_S = 5.0
"""How far the replicas' clocks may disagree (the leases assume much less than their length)."""
KNOWN_RUNS = 10_000


@dataclass(eq=False)
class _Tail:
    conversation_id: str
    last: int
    """Frames up to here were handed to the hub."""
    dirty: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class RemoteRuns:
    def __init__(self, store: Store, hub: Hub, runs: RunManager) -> None:
        self._store = store
        self._hub = hub
        self._runs = runs
        self._tails: dict[str, _Tail] = {}
        self._conversation_of: OrderedDict[str, str] = OrderedDict()
        """Run -> conversation, for notifications of runs no one here follows (bounded)."""
        self._looking_up: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._poll = asyncio.Event()
        self._checked_at: datetime | None = None
        self._loop: asyncio.Task[None] | None = None
        self.safety_reads = 0

    def start(self) -> None:
        self._loop = asyncio.create_task(self._safety_loop(), name="remote-runs")

    async def aclose(self) -> None:
        tasks = [t for t in (self._loop, *self._tasks) if t is not None]
        tasks += [tail.task for tail in self._tails.values() if tail.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------------ what wakes a tail

    def rang(self, payload: str) -> None:
        """The doorbell: a commit of `<run_id>:<last_seq>` on some replica."""
        run_id, _, seq_text = payload.rpartition(":")
        if not run_id or not seq_text.isdigit() or self._runs.owns(run_id):
            return
        tail = self._tails.get(run_id)
        if tail is not None:
            if int(seq_text) > tail.last:
                self._wake(run_id, tail)
            return
        conversation_id = self._conversation_of.get(run_id)
        if conversation_id is not None and not self._hub.is_followed(conversation_id):
            return  # no one here follows it
        if run_id not in self._looking_up:
            self._looking_up.add(run_id)
            self._spawn(self._discover(run_id))

    def check_soon(self) -> None:
        """A safety read now (the LISTEN connection reopened: notifications may be lost)."""
        self._poll.set()

    def released(self, run_id: str, conversation_id: str, seen: int) -> None:
        """A run this process wrote ended, or was taken over: follow it from where the local
        subscribers stand (a takeover's end is read from the log at once)."""
        if not self._hub.is_followed(conversation_id):
            return
        tail = self._tails.setdefault(run_id, _Tail(conversation_id, seen))
        tail.last = max(tail.last, seen)
        self._wake(run_id, tail)

    # ------------------------------------------------------------------ reading

    def _wake(self, run_id: str, tail: _Tail) -> None:
        tail.dirty = True
        if tail.task is None or tail.task.done():
            tail.task = asyncio.create_task(self._pump(run_id, tail), name=f"tail-{run_id}")

    async def _pump(self, run_id: str, tail: _Tail) -> None:
        while tail.dirty:
            tail.dirty = False
            try:
                events = await self._store.runs.events_after(run_id, tail.last)
            except StorageError as exc:  # the safety read tries again
                log.warning("could not read run %s: %s", run_id, exc.message)
                return
            if not events or events[-1].seq <= tail.last:
                continue
            tail.last = events[-1].seq
            batch = LiveBatch(run_id, tuple((e.seq, e.frame) for e in events))
            self._hub.publish(tail.conversation_id, batch)

    async def _discover(self, run_id: str) -> None:
        try:
            cursor = await self._store.run_leases.cursor(run_id)
        except StorageError as exc:
            log.warning("could not look up run %s: %s", run_id, exc.message)
            return
        finally:
            self._looking_up.discard(run_id)
        if cursor is None:
            return
        self._remember(run_id, cursor.conversation_id)
        self._follow(cursor)

    def _follow(self, cursor: RunCursor) -> None:
        """Starts or wakes the tail of a run of a followed conversation."""
        if self._runs.owns(cursor.run_id):
            return
        if not self._hub.is_followed(cursor.conversation_id):
            return
        tail = self._tails.get(cursor.run_id)
        if tail is None:
            tail = _Tail(cursor.conversation_id, 0)
            self._tails[cursor.run_id] = tail
        if cursor.last_seq > tail.last:
            self._wake(cursor.run_id, tail)

    # ------------------------------------------------------------------ the safety read

    async def _safety_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poll.wait(), SAFETY_READ_S)
            self._poll.clear()
            await self.safety_read()

    async def safety_read(self) -> None:
        """Every run of a followed conversation that is unfinished or ended since the last
        successful read (less the clock skew): tails that lag behind are woken."""
        followed = set(self._hub.followed())
        now = datetime.now(UTC)
        since = (self._checked_at or now) - timedelta(seconds=SAFETY_READ_S + CLOCK_SKEW_S)
        try:
            cursors = await self._store.run_leases.cursors_in(list(followed), since)
        except StorageError as exc:
            log.warning("the safety read of followed runs failed: %s", exc.message)
            return
        self._checked_at = now
        self.safety_reads += 1
        for cursor in cursors:
            self._follow(cursor)
        current = {cursor.run_id for cursor in cursors}
        for run_id, tail in tuple(self._tails.items()):
            idle = tail.task is None or tail.task.done()
            if idle and (run_id not in current or tail.conversation_id not in followed):
                del self._tails[run_id]

    def _remember(self, run_id: str, conversation_id: str) -> None:
        self._conversation_of[run_id] = conversation_id
        self._conversation_of.move_to_end(run_id)
        while len(self._conversation_of) > KNOWN_RUNS:
            self._conversation_of.popitem(last=False)

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
