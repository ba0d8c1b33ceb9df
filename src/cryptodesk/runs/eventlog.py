"""A run's event log and its one writer, `RunLog`.

Every frame of a run goes through its `RunLog`: the engine's frames, the lifecycle statuses, the
error and terminal status that end it, and those crash recovery adds. The log assigns `seq`
(gap-free from 1), stamps the time (the frame is built here), stores the frame and then publishes
it, and it owns what happens when storing fails.

Group commit: the run does not wait for each commit. Frames queue here; one flusher task stores
whatever has queued in a single transaction, then publishes it to the hub as one batch. Under
load this turns many small commits and socket wake-ups into a few large ones. The queue is
bounded (`MAX_PENDING`): when it is full the run waits.

When storing fails (a full disk, a database that went away) the log stops taking frames and asks
its owner to stop the run; `end` then closes the run `failed` with `error(storage_failed)` and
the terminal status. Those frames and every frame the store did not take stay in memory: they
go to the subscribers, `unstored_after` serves them to anyone who resumes, and a background task
stores them (and marks the run row failed) as soon as the database accepts writes again.

Several replicas (PostgreSQL, see docs/architecture.md): a run is owned under a lease, and the
log writes with the run's lease epoch. Both of its database writes, `RunRepo.append_events`
(`_store`, one batch) and `RunRepo.close` (`end` and `_settle`, the closing frames and the run
row), are conditional on that epoch and ring the doorbell (`pg_notify`) in their transaction.
Once a reaper on another replica has claimed the run (this process was paused or cut off past
the lease), the next write raises `LeaseLostError`: the log stops taking frames and asks its
owner to stop the run, as on a storage failure, but keeps nothing and retries nothing, and
`end` writes nothing of its own: the reaper has ended the run (`owner_lost`) and local
subscribers read that end from the log. Every commit also tells whether a cancel was requested
on another replica; the log passes it on to its owner once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal, Protocol

from tenacity import AsyncRetrying, retry_if_exception, wait_exponential_jitter

from cryptodesk.domain.calls import CallDraft, draft_call
from cryptodesk.domain.events import DomainEvent, Report, RunError
from cryptodesk.errors import LeaseLostError, StorageError
from cryptodesk.realtime.hub import Hub, LiveBatch
from cryptodesk.realtime.protocol import (
    TERMINAL_STATUSES,
    RunFrame,
    RunStatus,
    StatusFrame,
    StatusValue,
    dump_frame,
)
from cryptodesk.runs.frames import to_frame
from cryptodesk.store.ids import new_id
from cryptodesk.store.records import StoredEvent
from cryptodesk.store.runs import FIRST_EPOCH, PendingEvent, RunEnding, RunRepo

log = logging.getLogger(__name__)

MAX_PENDING = 500
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 15.0

TerminalStatus = Literal["completed", "cancelled", "failed"]

STORAGE_FAILED = "storage_failed"
STORAGE_FAILED_MESSAGE = "The server could not store this run's frames (disk full?)."


class LogOwner(Protocol):
    """Who runs the run: told when its log can no longer store (or its lease was taken over),
    when a cancel was asked for elsewhere, when it ends, and when it is fully stored."""

    def storage_failed(self, log: RunLog) -> None: ...

    def lease_lost(self, log: RunLog) -> None: ...

    def cancel_requested(self, log: RunLog) -> None: ...

    def ended(self, log: RunLog) -> None: ...

    def settled(self, log: RunLog) -> None: ...


class RunLog:
    def __init__(
        self,
        repo: RunRepo,
        hub: Hub,
        owner: LogOwner,
        run_id: str,
        conversation_id: str,
        *,
        last_seq: int = 0,
        epoch: int = FIRST_EPOCH,
    ) -> None:
        self.run_id = run_id
        self.conversation_id = conversation_id
        self.epoch = epoch
        """The run's lease epoch this log writes with (fencing)."""
        self.status: RunStatus = "pending"
        self._repo = repo
        self._hub = hub
        self._owner = owner
        self._last_seq = last_seq
        self._stored_seq = last_seq
        self._cancel_told = False
        self._pending: list[PendingEvent] = []
        self._flusher: asyncio.Task[None] | None = None
        self._failure: Exception | None = None
        self._unstored: list[PendingEvent] = []
        """After a storage failure: every frame the store lacks, in `seq` order."""
        self._settler: asyncio.Task[None] | None = None

    @property
    def last_seq(self) -> int:
        return self._last_seq

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def stored_seq(self) -> int:
        """The last frame the store holds (and local subscribers got)."""
        return self._stored_seq

    @property
    def settled(self) -> bool:
        """Everything this log wrote is in the store."""
        return not self._unstored and not self._pending

    @property
    def lost(self) -> bool:
        """Another replica took the run over: this log writes nothing more."""
        return isinstance(self._failure, LeaseLostError)

    def fence(self) -> None:
        """The owner learned (a lease renewal) that the run was taken over: stop writing."""
        if self._failure is None:
            self._failure = LeaseLostError(self.run_id, self.epoch)

    # ------------------------------------------------------------------ frames of a live run

    async def announce(self, status: StatusValue, message: str) -> None:
        """A lifecycle status (`initializing`, `processing`)."""
        await self._append(self._status_frame(self._last_seq + 1, status, message))

    async def record(self, event: DomainEvent) -> None:
        frame = to_frame(event, self.run_id, self.conversation_id, self._last_seq + 1)
        await self._append(frame, self._calls(event) if isinstance(event, Report) else ())

    def _calls(self, report: Report) -> tuple[CallDraft, ...]:
        """The report's outlooks as calls of the track record, stored with its frame."""
        now = datetime.now(UTC)
        labels = ("llm_fallback",) if "llm_fallback" in report.data_labels else ()
        return tuple(
            draft_call(
                outlook,
                call_id=new_id(),
                engine=report.engine,
                created_at=now,
                run_id=self.run_id,
                conversation_id=self.conversation_id,
                extra_labels=labels,
            )
            for outlook in report.outlook
        )

    async def mark_running(self) -> None:
        self._check_open()
        try:
            await self._repo.mark_running(self.run_id, epoch=self.epoch)
        except LeaseLostError as exc:
            self._fail(exc, [])
            raise
        self.status = "running"

    async def _append(self, frame: RunFrame, calls: tuple[CallDraft, ...] = ()) -> None:
        """Queues the frame (and the calls it carries); waits only when the queue is full.
        `StorageError` once storing failed (the run must stop: its frames have nowhere to go)."""
        self._check_open()
        assert frame.seq == self._last_seq + 1  # noqa: S101 - the log is the only seq source
        self._last_seq = frame.seq
        self._pending.append(PendingEvent(frame.seq, frame.type, dump_frame(frame), calls))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_loop(), name=f"eventlog-{self.run_id}")
        if len(self._pending) >= MAX_PENDING:
            await self._drain()
            self._check_open()

    def _check_open(self) -> None:
        if self.ended:
            raise RuntimeError(f"run {self.run_id} has ended: its log takes no more frames")
        if self._failure is not None:
            raise _stopped(self._failure)

    async def _drain(self) -> None:
        """Waits until the flusher has stored or given up on every queued frame (a cancel of
        the caller does not stop it)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.wait([self._flusher])

    async def _flush_loop(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            if not await self._store(batch):
                return
            self._publish(batch)

    async def _store(self, batch: list[PendingEvent]) -> bool:
        try:
            try:
                cancel_requested = await self._repo.append_events(
                    self.run_id, batch, epoch=self.epoch
                )
            except StorageError as exc:
                if not exc.retryable:
                    raise
                # Once more, on a fresh connection: the server may have ended ours (this process
                # was paused mid-transaction), and only a new one tells a takeover
                # (`LeaseLostError`) from a database that is really gone.
                cancel_requested = await self._repo.append_events(
                    self.run_id, batch, epoch=self.epoch, again=True
                )
        except Exception as exc:
            self._fail(exc, [*batch, *self._pending])
            self._pending = []
            return False
        self._stored_seq = batch[-1].seq
        if cancel_requested and not self._cancel_told:
            self._cancel_told = True
            self._owner.cancel_requested(self)
        return True

    def _fail(self, exc: Exception, unstored: list[PendingEvent]) -> None:
        if isinstance(exc, LeaseLostError):
            # The run has ended elsewhere (`owner_lost`): what it did not store is dropped.
            log.warning("run %s: %s", self.run_id, exc.message)
            self._failure = exc
            self._owner.lease_lost(self)
            return
        if isinstance(exc, StorageError):
            log.error("run %s: its frames cannot be stored: %s", self.run_id, exc.message)
        else:
            log.error("run %s: its frames cannot be stored", self.run_id, exc_info=exc)
        self._failure = exc
        self._unstored.extend(unstored)
        self._owner.storage_failed(self)

    def _publish(self, frames: Sequence[PendingEvent]) -> None:
        batch = LiveBatch(self.run_id, tuple((e.seq, e.text) for e in frames))
        self._hub.publish(self.conversation_id, batch)

    # ------------------------------------------------------------------ the end

    async def end(
        self,
        status: TerminalStatus,
        *,
        error: RunError | None = None,
        cancel_reason: str = "cancelled by user",
        answer: str | None = None,
        usage_json: str | None = None,
    ) -> TerminalStatus:
        """Closes the run with exactly one terminal status (after `error`, when given, which
        makes it `failed`) and returns that status: `failed` when the log could not store.

        Everything is stored before the terminal frame is published, so a client that sees it
        can start the next run at once; the owner hears `ended` just before that.
        """
        if self.ended:
            raise RuntimeError(f"run {self.run_id} has already ended")
        await self._drain()
        if self._failure is None:
            if error is not None:
                status = "failed"
            closing = self._closing(status, error, cancel_reason)
            ending = RunEnding(
                status,
                error.code if error else None,
                error.message if error else None,
                usage_json,
                answer if status == "completed" else None,
            )
            try:
                try:
                    await self._repo.close(self.run_id, closing, ending, epoch=self.epoch)
                except StorageError as exc:
                    if not exc.retryable:
                        raise
                    await self._repo.close(self.run_id, closing, ending, epoch=self.epoch)
            except Exception as exc:
                self._fail(exc, [])
            else:
                self._finish(status, closing)
                return status
        if self.lost:
            # No end of our own: the replica that took the run over has written it.
            self.status = "failed"
            self._owner.ended(self)
            return "failed"
        failure = RunError(STORAGE_FAILED, STORAGE_FAILED_MESSAGE, _reason(self._failure), False)
        closing = self._closing("failed", failure, cancel_reason)
        self._unstored.extend(closing)
        self._finish("failed", list(self._unstored))
        if isinstance(self._failure, StorageError) and self._failure.retryable:
            self._settler = asyncio.create_task(
                self._settle(failure), name=f"eventlog-settle-{self.run_id}"
            )
        return "failed"

    def _closing(
        self, status: TerminalStatus, error: RunError | None, cancel_reason: str
    ) -> list[PendingEvent]:
        """The error frame (if any) and the terminal frame, numbered after the last frame."""
        messages = {
            "completed": "Analysis completed",
            "cancelled": f"Run cancelled: {cancel_reason}",
            "failed": f"Run failed: {error.message if error else 'unknown error'}",
        }
        seq = self._last_seq + 1
        frames: list[RunFrame] = []
        if error is not None:
            fatal = RunError(error.code, error.message, error.details, recoverable=False)
            frames.append(to_frame(fatal, self.run_id, self.conversation_id, seq))
            seq += 1
        frames.append(self._status_frame(seq, status, messages[status], final=True))
        return [PendingEvent(f.seq or 0, f.type, dump_frame(f)) for f in frames]

    def _finish(self, status: TerminalStatus, publish: list[PendingEvent]) -> None:
        self._last_seq = publish[-1].seq
        self._stored_seq = self._last_seq if self._failure is None else self._stored_seq
        self.status = status
        self._owner.ended(self)
        self._publish(publish)

    async def _settle(self, failure: RunError) -> None:
        """Stores what the log kept in memory once the database takes writes again."""
        ending = RunEnding("failed", failure.code, failure.message)
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, StorageError) and exc.retryable),
            wait=wait_exponential_jitter(
                multiplier=RETRY_FIRST_S, max=RETRY_MAX_S, jitter=RETRY_FIRST_S
            ),
            reraise=True,
        )
        await asyncio.sleep(RETRY_FIRST_S)  # the database has just failed: not at once
        try:
            await retrying(self._store_unstored, ending)
        except LeaseLostError as exc:
            log.warning("run %s: its last frames are not stored: %s", self.run_id, exc.message)
            self._unstored = []
            self._owner.settled(self)
            return
        except StorageError as exc:
            log.error("run %s: giving up storing its last frames: %s", self.run_id, exc)
            return
        except Exception:
            log.exception("run %s: giving up storing its last frames", self.run_id)
            return
        log.warning("run %s: its last %d frame(s) are stored now", self.run_id, len(self._unstored))
        self._unstored = []
        self._owner.settled(self)

    async def _store_unstored(self, ending: RunEnding) -> None:
        await self._repo.close(self.run_id, self._unstored, ending, epoch=self.epoch)

    # ------------------------------------------------------------------ replay and shutdown

    def unstored_after(self, after_seq: int) -> list[StoredEvent]:
        """Frames past `after_seq` that only this log holds (the store lacks them)."""
        return [
            StoredEvent(self.run_id, e.seq, e.type, e.text)
            for e in self._unstored
            if e.seq > after_seq
        ]

    async def close(self) -> None:
        """Shutdown: one last attempt to store what is kept in memory, then stop retrying."""
        if self._settler is not None and not self._settler.done():
            self._settler.cancel()
            try:
                await self._settler
            except asyncio.CancelledError:
                pass
        if self._unstored and self.ended:
            try:
                ending = RunEnding("failed", STORAGE_FAILED, STORAGE_FAILED_MESSAGE)
                await self._repo.close(self.run_id, self._unstored, ending, epoch=self.epoch)
                self._unstored = []
            except Exception as exc:
                log.error(
                    "run %s: %d frame(s) could not be stored before shutdown (%s); the next "
                    "start marks the run failed",
                    self.run_id,
                    len(self._unstored),
                    type(exc).__name__,
                )

    def _status_frame(
        self, seq: int, status: StatusValue, message: str, *, final: bool = False
    ) -> StatusFrame:
        return StatusFrame(
            status=status,
            message=message,
            final=final,
            run_id=self.run_id,
            conversation_id=self.conversation_id,
            seq=seq,
        )


def _reason(failure: Exception | None) -> str:
    if isinstance(failure, StorageError):
        return failure.message
    return "the database refused the run's frames; see the server log"


def _stopped(failure: Exception) -> StorageError | LeaseLostError:
    """What a run's next frame raises once its log could not store."""
    if isinstance(failure, LeaseLostError):
        return LeaseLostError(failure.run_id, failure.epoch)
    if isinstance(failure, StorageError):
        return StorageError(failure.where, failure.reason)
    return StorageError("the run's event log", "the database refused its frames")
