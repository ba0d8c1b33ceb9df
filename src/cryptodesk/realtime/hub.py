"""Subscribers and fan-out.

Each socket gets one `Subscriber`: a bounded queue and a single writer task, so sends never
interleave and a slow socket never slows a run. A run's log publishes what one commit stored as
one `LiveBatch` (serialized once) and puts it into every subscriber's queue without waiting: the
queue counts batches, not frames, so a reading client keeps up however large a commit is. A full
queue closes that socket with 4008 and the client resumes with `after_seq`.

The writer applies run frames strictly in `seq` order per run: it drops what it already sent and
fills any gap from the event log, so a subscriber that joins mid-run (or resumes) gets every frame
exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketState

from cryptodesk.realtime.closecodes import CloseCode
from cryptodesk.store.records import StoredEvent

log = logging.getLogger(__name__)


EventReader = Callable[[str, int], Awaitable[Sequence[StoredEvent]]]


@dataclass(frozen=True, slots=True)
class LiveFrame:
    run_id: str
    seq: int
    text: str


@dataclass(frozen=True, slots=True)
class LiveBatch:
    """The frames of one run that one commit stored, in `seq` order: (seq, text) pairs."""

    run_id: str
    frames: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Replay:
    run_id: str
    after_seq: int


@dataclass(frozen=True, slots=True)
class Direct:
    text: str


Outgoing = LiveBatch | Replay | Direct


def as_replay(frame_text: str) -> str:
    frame = json.loads(frame_text)
    frame["replay"] = True
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


@dataclass(eq=False)
class Subscriber:
    ws: WebSocket
    read_events: EventReader
    queue_size: int
    conversations: set[str] = field(default_factory=set)
    last_sent: dict[str, int] = field(default_factory=dict)
    ended_runs: set[str] = field(default_factory=set)
    """Runs that had ended when this socket began to follow their conversation: it gets their
    frames when it asks (a replay), never as live frames (another replica's feed may read a
    run that ended moments ago and publish it to everyone here)."""
    closed: bool = False
    close_code: int | None = None

    def __post_init__(self) -> None:
        self.queue: asyncio.Queue[Outgoing] = asyncio.Queue(maxsize=self.queue_size)
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop(), name="ws-writer")

    def offer(self, item: Outgoing) -> bool:
        """Queues without waiting. False (and the socket is closed with 4008) when full."""
        if self.closed:
            return False
        if isinstance(item, LiveBatch) and item.run_id in self.ended_runs:
            return True
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            log.warning("slow subscriber: queue of %d full, closing with 4008", self.queue_size)
            self.close_soon(CloseCode.SLOW_CONSUMER, "slow consumer: resume with after_seq")
            return False
        return True

    def close_soon(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        if self._writer is not None:
            self._writer.cancel()
        self._closer = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        if self._writer is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        with contextlib.suppress(Exception):
            if self.ws.application_state == WebSocketState.CONNECTED:
                await self.ws.close(code=code, reason=reason)

    async def stop(self) -> None:
        """Ends the writer; lets a pending close (4008, 1009, ...) reach the peer first."""
        self.closed = True
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        if self._closer is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._closer

    async def _write_loop(self) -> None:
        try:
            while True:
                item = self.queue.get_nowait() if not self.queue.empty() else await self.queue.get()
                if isinstance(item, Direct):
                    await self.ws.send_text(item.text)
                elif isinstance(item, Replay):
                    await self._replay(item.run_id, item.after_seq, replay=True)
                else:
                    for seq, text in item.frames:
                        await self._live(item.run_id, seq, text)
        except asyncio.CancelledError:
            raise
        except Exception:  # the peer went away; the reader loop notices and cleans up
            log.debug("writer stopped", exc_info=True)
            self.closed = True

    async def _live(self, run_id: str, seq: int, text: str) -> None:
        last = self.last_sent.get(run_id, 0)
        if seq <= last:
            return
        if seq > last + 1:
            await self._replay(run_id, last, replay=False, until=seq - 1)
        await self.ws.send_text(text)
        self.last_sent[run_id] = seq

    async def _replay(
        self, run_id: str, after_seq: int, *, replay: bool, until: int | None = None
    ) -> None:
        start = max(after_seq, self.last_sent.get(run_id, 0)) if not replay else after_seq
        if replay:
            # The client holds every frame up to `after_seq`: a live frame at or below it (a
            # remote run's tail starts at 1) is not sent again, nor used to fill a "gap".
            self.last_sent[run_id] = max(self.last_sent.get(run_id, 0), after_seq)
        for event in await self.read_events(run_id, start):
            if until is not None and event.seq > until:
                break
            if event.seq <= self.last_sent.get(run_id, 0) and not replay:
                continue
            await self.ws.send_text(as_replay(event.frame) if replay else event.frame)
            self.last_sent[run_id] = max(self.last_sent.get(run_id, 0), event.seq)


class QueueListener:
    """An in-process follower (the CLI's `ask`): every live frame lands in an unbounded queue."""

    def __init__(self) -> None:
        self.conversations: set[str] = set()
        self.queue: asyncio.Queue[LiveFrame] = asyncio.Queue()

    def offer(self, item: Outgoing) -> bool:
        if isinstance(item, LiveBatch):
            for seq, text in item.frames:
                self.queue.put_nowait(LiveFrame(item.run_id, seq, text))
        return True


Follower = Subscriber | QueueListener


class Hub:
    """Who listens to which conversation."""

    def __init__(self) -> None:
        self._by_conversation: dict[str, set[Follower]] = {}
        self._all: set[Subscriber] = set()

    @property
    def connection_count(self) -> int:
        return len(self._all)

    def add(self, sub: Subscriber) -> None:
        self._all.add(sub)

    def remove(self, sub: Follower) -> None:
        if isinstance(sub, Subscriber):
            self._all.discard(sub)
        for conversation_id in sub.conversations:
            subs = self._by_conversation.get(conversation_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_conversation[conversation_id]

    def subscribe(self, sub: Follower, conversation_id: str) -> None:
        sub.conversations.add(conversation_id)
        self._by_conversation.setdefault(conversation_id, set()).add(sub)

    def followed(self) -> Collection[str]:
        """The conversations someone here follows."""
        return self._by_conversation.keys()

    def is_followed(self, conversation_id: str) -> bool:
        return conversation_id in self._by_conversation

    def publish(self, conversation_id: str, batch: LiveBatch) -> None:
        for sub in tuple(self._by_conversation.get(conversation_id, ())):
            sub.offer(batch)

    def broadcast(self, text: str) -> int:
        """A connection-level frame to every socket (watchlist prices, notifications); how many
        took it. A full queue closes that socket (4008) as for run frames."""
        return sum(1 for sub in tuple(self._all) if sub.offer(Direct(text)))

    def close_all(
        self, code: int = CloseCode.GOING_AWAY, reason: str = "server shutting down"
    ) -> None:
        for sub in tuple(self._all):
            sub.close_soon(code, reason)
