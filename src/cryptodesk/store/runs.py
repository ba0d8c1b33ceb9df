"""Runs and their event logs (the frames of a run, in `seq` order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cryptodesk.domain.calls import CallDraft
from cryptodesk.errors import NotFoundError
from cryptodesk.redaction import scrub
from cryptodesk.store.calls import insert_calls
from cryptodesk.store.conversations import UNFINISHED, title_from
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import ConversationRow, MessageRow, RunEventRow, RunRow
from cryptodesk.store.records import Run, StoredEvent


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
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

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
    ) -> Run:
        """Creates the run and its user message, and the conversation when `conversation_id` is
        None, in one transaction: a failure leaves none of them behind. `NotFoundError` when
        the conversation does not exist (or was deleted meanwhile)."""
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
            except IntegrityError as exc:  # the conversation's foreign key
                raise NotFoundError("conversation", conversation_id) from exc
            touched = await s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(updated_at=now)
            )
            if touched.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFoundError("conversation", conversation_id)
            await s.commit()
        return _run(row)

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

    async def close(self, run_id: str, events: Sequence[PendingEvent], ending: RunEnding) -> None:
        """Stores a run's closing frames and marks the run finished, in one transaction.

        Idempotent, so a write whose outcome is unknown (a commit that failed late) can be
        repeated: frames the log already holds are skipped, and a finished run keeps its end.
        """
        now = datetime.now(UTC)
        async with self._sessions() as s:
            stored = await _last_seq(s, run_id)
            fresh = [e for e in events if e.seq > stored]
            if fresh:
                await _insert(s, run_id, fresh, now)
            await s.execute(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status.in_(UNFINISHED))
                .values(
                    status=ending.status,
                    error_code=ending.error_code,
                    error_message=scrub(ending.error_message) if ending.error_message else None,
                    usage_json=ending.usage_json,
                    last_seq=max([stored, *(e.seq for e in fresh)]),
                    finished_at=now,
                )
            )
            if ending.answer is not None and fresh:
                run = await s.get(RunRow, run_id)
                if run is not None:
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
            await s.commit()

    async def set_status(self, run_id: str, status: str) -> None:
        async with self._sessions() as s:
            await s.execute(update(RunRow).where(RunRow.id == run_id).values(status=status))
            await s.commit()

    async def append_event(self, run_id: str, seq: int, type_: str, frame: str) -> None:
        row = RunEventRow(
            run_id=run_id, seq=seq, type=type_, frame=frame, created_at=datetime.now(UTC)
        )
        async with self._sessions() as s:
            s.add(row)
            await s.commit()

    async def append_events(self, run_id: str, events: Sequence[PendingEvent]) -> None:
        """Stores several frames of one run in one transaction."""
        async with self._sessions() as s:
            await _insert(s, run_id, events, datetime.now(UTC))
            await s.commit()

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


async def _insert(
    s: AsyncSession, run_id: str, events: Sequence[PendingEvent], now: datetime
) -> None:
    """Frames and the calls they carry: no result frame without its calls, no call without
    its frame."""
    await s.execute(
        insert(RunEventRow),
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
