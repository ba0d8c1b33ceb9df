"""Runs and their event logs (the frames of a run, in `seq` order).

Every write of a run's frames is fenced by its lease epoch (`runs.lease_epoch`): it first
updates the run's row on the condition that the epoch is still the writer's and the run
unfinished, which also locks the row until the commit, so a reaper on another replica (which
claims a run by bumping its epoch, `store.runleases`) and a paused owner never both write. A
write that finds the epoch moved on raises `LeaseLostError` and changes nothing. On PostgreSQL
each such commit also rings the doorbell, `pg_notify('cryptodesk_run', '<run_id>:<last_seq>')`,
in the same transaction: other replicas learn of committed frames, never of uncommitted ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cryptodesk.domain.calls import CallDraft
from cryptodesk.errors import LeaseLostError, NotFoundError, RunActiveError
from cryptodesk.redaction import scrub
from cryptodesk.store.calls import insert_calls
from cryptodesk.store.conversations import UNFINISHED, title_from
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import ConversationRow, MessageRow, RunEventRow, RunRow
from cryptodesk.store.records import Run, StoredEvent

RUN_CHANNEL = "cryptodesk_run"
"""The doorbell: one notification per commit of a run's frames, `<run_id>:<last_seq>`."""
FIRST_EPOCH = 1
# Core tables, not the ORM classes, where a frame's commit goes: the ORM's bulk machinery
# made up about a third of a commit's time.
_RUNS = cast(Table, RunRow.__table__)
_RUN_EVENTS = cast(Table, RunEventRow.__table__)
DEFAULT_LEASE_S = 15.0


@dataclass(frozen=True, slots=True)
class PendingEvent:
    seq: int
    type: str
    text: str
    calls: tuple[CallDraft, ...] = field(default=(), compare=False)
    """The calls of a `result` frame: stored in the same transaction as the frame."""


@dataclass(frozen=True, slots=True)
class RunEnding:
    """What the terminal write records besides the closing frames."""

    status: str
    error_code: str | None = None
    error_message: str | None = None
    usage_json: str | None = None
    answer: str | None = None
    """The report, stored as the conversation's assistant message (completed runs)."""


def _run(row: RunRow) -> Run:
    return Run(
        id=row.id,
        conversation_id=row.conversation_id,
        question=row.question,
        status=row.status,
        engine=row.engine,
        client_msg_id=row.client_msg_id,
        error_code=row.error_code,
        error_message=row.error_message,
        last_seq=row.last_seq,
        usage_json=row.usage_json,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


class RunRepo:
    def __init__(self, sessions: SessionFactory, *, notify: bool = False) -> None:
        self._sessions = sessions
        self._notify = notify
        """PostgreSQL: ring the doorbell with every commit of frames."""

    async def create(
        self,
        run_id: str,
        conversation_id: str,
        question: str,
        engine: str,
        client_msg_id: str | None,
    ) -> Run:
        row = RunRow(
            id=run_id,
            conversation_id=conversation_id,
            question=question,
            status="pending",
            engine=engine,
            client_msg_id=client_msg_id,
            last_seq=0,
            created_at=datetime.now(UTC),
            lease_epoch=FIRST_EPOCH,
        )
        async with self._sessions() as s:
            s.add(row)
            await s.commit()
        return _run(row)

    async def begin(
        self,
        run_id: str,
        conversation_id: str | None,
        question: str,
        engine: str,
        client_msg_id: str | None,
        *,
        owner: str | None = None,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> Run:
        """Creates the run (owned by `owner` under a lease of `lease_s`, epoch 1) and its user
        message, and the conversation when `conversation_id` is None, in one transaction: a
        failure leaves none of them behind. `NotFoundError` when the conversation does not
        exist (or was deleted meanwhile), `RunActiveError` when it has an unfinished run,
        whichever process started that one (a unique index over unfinished runs)."""
        for _attempt in range(3):
            try:
                return await self._begin(
                    run_id, conversation_id, question, engine, client_msg_id, owner, lease_s
                )
            except _OneActiveRun:
                assert conversation_id is not None  # noqa: S101 - a new one has no runs
                busy = await self.active_in(conversation_id)
                if busy is not None:
                    raise RunActiveError(conversation_id, busy.id) from None
                # It ended between our insert and this read: try again.
        raise RunActiveError(conversation_id or "", "unknown")

    async def _begin(
        self,
        run_id: str,
        conversation_id: str | None,
        question: str,
        engine: str,
        client_msg_id: str | None,
        owner: str | None,
        lease_s: float,
    ) -> Run:
        now = datetime.now(UTC)
        async with self._sessions() as s:
            if conversation_id is None:
                conversation_id = new_id()
                s.add(
                    ConversationRow(
                        id=conversation_id,
                        title=title_from(question),
                        created_at=now,
                        updated_at=now,
                    )
                )
                await s.flush()
            row = RunRow(
                id=run_id,
                conversation_id=conversation_id,
                question=question,
                status="pending",
                engine=engine,
                client_msg_id=client_msg_id,
                last_seq=0,
                created_at=now,
                owner=owner,
                lease_epoch=FIRST_EPOCH,
                lease_expires_at=now + timedelta(seconds=lease_s),
            )
            s.add(row)
            s.add(
                MessageRow(
                    id=new_id(),
                    conversation_id=conversation_id,
                    role="user",
                    content=question,
                    run_id=run_id,
                    created_at=now,
                )
            )
            try:
                await s.flush()
            except IntegrityError as exc:
                if _is_unique_violation(exc):
                    raise _OneActiveRun from exc
                raise NotFoundError("conversation", conversation_id) from exc  # its foreign key
            touched = await s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(updated_at=now)
            )
            if touched.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFoundError("conversation", conversation_id)
            await s.commit()
        return _run(row)

    async def states_in(self, conversation_id: str) -> list[tuple[str, str, int]]:
        """(id, status, last_seq) of every run of the conversation, in one snapshot."""
        query = select(RunRow.id, RunRow.status, RunRow.last_seq).where(
            RunRow.conversation_id == conversation_id
        )
        async with self._sessions() as s:
            return [(r.id, r.status, int(r.last_seq)) for r in (await s.execute(query)).all()]

    async def active_in(self, conversation_id: str) -> Run | None:
        """The conversation's unfinished run, whichever replica runs it."""
        query = select(RunRow).where(
            RunRow.conversation_id == conversation_id, RunRow.status.in_(UNFINISHED)
        )
        async with self._sessions() as s:
            row = (await s.execute(query.limit(1))).scalar()
        return _run(row) if row is not None else None

    async def get(self, run_id: str) -> Run:
        async with self._sessions() as s:
            row = await s.get(RunRow, run_id)
        if row is None:
            raise NotFoundError("run", run_id)
        return _run(row)

    async def find_by_client_msg_id(
        self, conversation_id: str | None, client_msg_id: str
    ) -> Run | None:
        query = select(RunRow).where(RunRow.client_msg_id == client_msg_id)
        if conversation_id is not None:
            query = query.where(RunRow.conversation_id == conversation_id)
        async with self._sessions() as s:
            row = (await s.execute(query.order_by(RunRow.created_at.desc()).limit(1))).scalar()
        return _run(row) if row is not None else None

    async def for_conversation(self, conversation_id: str) -> list[Run]:
        query = (
            select(RunRow)
            .where(RunRow.conversation_id == conversation_id)
            .order_by(RunRow.created_at, RunRow.id)
        )
        async with self._sessions() as s:
            return [_run(r) for r in (await s.execute(query)).scalars()]

    async def unfinished(self) -> list[Run]:
        async with self._sessions() as s:
            rows = (await s.execute(select(RunRow).where(RunRow.status.in_(UNFINISHED)))).scalars()
            return [_run(r) for r in rows]

    async def close(
        self, run_id: str, events: Sequence[PendingEvent], ending: RunEnding, *, epoch: int
    ) -> None:
        """Stores a run's closing frames and marks the run finished, in one transaction, if
        `epoch` is still the run's lease epoch (else `LeaseLostError`, nothing written).

        Idempotent, so a write whose outcome is unknown (a commit that failed late) can be
        repeated: frames the log already holds are skipped, and a finished run keeps its end.
        """
        now = datetime.now(UTC)
        async with self._sessions() as s:
            run = (
                await s.execute(
                    select(RunRow.status, RunRow.lease_epoch, RunRow.conversation_id)
                    .where(RunRow.id == run_id)
                    .with_for_update()
                )
            ).first()
            if run is None:
                raise NotFoundError("run", run_id)
            if run.lease_epoch != epoch:
                raise LeaseLostError(run_id, epoch)
            if run.status not in UNFINISHED:
                return  # an earlier attempt of this writer committed
            stored = await _last_seq(s, run_id)
            fresh = [e for e in events if e.seq > stored]
            if fresh:
                await _insert(s, run_id, fresh, now)
            last = max([stored, *(e.seq for e in fresh)])
            await s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(
                    status=ending.status,
                    error_code=ending.error_code,
                    error_message=scrub(ending.error_message) if ending.error_message else None,
                    usage_json=ending.usage_json,
                    last_seq=last,
                    finished_at=now,
                    lease_expires_at=None,
                )
            )
            if ending.answer is not None and fresh:
                s.add(
                    MessageRow(
                        id=new_id(),
                        conversation_id=run.conversation_id,
                        role="assistant",
                        content=ending.answer,
                        run_id=run_id,
                        created_at=now,
                    )
                )
                await s.execute(
                    update(ConversationRow)
                    .where(ConversationRow.id == run.conversation_id)
                    .values(updated_at=now)
                )
            await self._ring(s, run_id, last)
            await s.commit()

    async def mark_running(self, run_id: str, *, epoch: int) -> None:
        async with self._sessions() as s:
            await self._fence(s, run_id, epoch, status="running")
            await s.commit()

    async def append_event(self, run_id: str, seq: int, type_: str, frame: str) -> None:
        row = RunEventRow(
            run_id=run_id, seq=seq, type=type_, frame=frame, created_at=datetime.now(UTC)
        )
        async with self._sessions() as s:
            s.add(row)
            await s.commit()

    async def append_events(
        self, run_id: str, events: Sequence[PendingEvent], *, epoch: int, again: bool = False
    ) -> bool:
        """Stores several frames of one run in one transaction, if `epoch` is still the run's
        lease epoch (else `LeaseLostError`, nothing written). True when someone asked to
        cancel the run (from any replica): the owner checks it with every commit.

        `again`: this batch was written before with an unknown outcome (a commit that failed
        late); frames the log already holds are skipped."""
        async with self._sessions() as s:
            cancel_requested = await self._fence(s, run_id, epoch, last_seq=events[-1].seq)
            if again:
                stored = await _last_seq(s, run_id)
                events = [e for e in events if e.seq > stored]
            if events:
                await _insert(s, run_id, events, datetime.now(UTC))
                await self._ring(s, run_id, events[-1].seq)
            await s.commit()
        return cancel_requested

    async def _fence(self, s: AsyncSession, run_id: str, epoch: int, **values: object) -> bool:
        """Updates the run's row if `epoch` is current and the run unfinished (which locks it
        until the commit); whether a cancel was requested. `LeaseLostError` otherwise."""
        runs = _RUNS.c
        fenced = await s.execute(
            update(_RUNS)
            .where(runs.id == run_id, runs.lease_epoch == epoch, runs.status.in_(UNFINISHED))
            .values(**values)
            .returning(runs.cancel_requested_at)
        )
        row = fenced.first()
        if row is None:
            raise LeaseLostError(run_id, epoch)
        return row[0] is not None

    async def _ring(self, s: AsyncSession, run_id: str, last_seq: int) -> None:
        if self._notify:
            await s.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": RUN_CHANNEL, "payload": f"{run_id}:{last_seq}"},
            )

    async def last_seq(self, run_id: str) -> int:
        async with self._sessions() as s:
            return await _last_seq(s, run_id)

    async def result_frames(self, run_ids: Sequence[str]) -> dict[str, str]:
        """The stored `result` frame (JSON) of each of `run_ids` that has one."""
        if not run_ids:
            return {}
        query = select(RunEventRow).where(
            RunEventRow.run_id.in_(run_ids), RunEventRow.type == "result"
        )
        async with self._sessions() as s:
            return {row.run_id: row.frame for row in (await s.execute(query)).scalars()}

    async def events_after(
        self, run_id: str, after_seq: int, limit: int | None = None
    ) -> Sequence[StoredEvent]:
        query = (
            select(RunEventRow)
            .where(RunEventRow.run_id == run_id, RunEventRow.seq > after_seq)
            .order_by(RunEventRow.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self._sessions() as s:
            rows = (await s.execute(query)).scalars()
            return [StoredEvent(r.run_id, r.seq, r.type, r.frame) for r in rows]


class _OneActiveRun(Exception):
    """The unique index of unfinished runs refused a second one in the conversation."""


def _is_unique_violation(exc: IntegrityError) -> bool:
    original = exc.orig
    if isinstance(original, sqlite3.IntegrityError):
        return "UNIQUE constraint failed" in str(original)
    return getattr(original, "sqlstate", None) == "23505"


async def _insert(
    s: AsyncSession, run_id: str, events: Sequence[PendingEvent], now: datetime
) -> None:
    """Frames and the calls they carry: no result frame without its calls, no call without
    its frame."""
    await s.execute(
        insert(_RUN_EVENTS),
        [
            {"run_id": run_id, "seq": e.seq, "type": e.type, "frame": e.text, "created_at": now}
            for e in events
        ],
    )
    await insert_calls(s, [call for e in events for call in e.calls])


async def _last_seq(s: AsyncSession, run_id: str) -> int:
    result = await s.execute(
        select(func.coalesce(func.max(RunEventRow.seq), 0)).where(RunEventRow.run_id == run_id)
    )
    return int(result.scalar_one())
