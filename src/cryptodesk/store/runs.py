"""Runs and their event logs (the frames of a run, in `seq` order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from cryptodesk.errors import NotFoundError
from cryptodesk.redaction import scrub
from cryptodesk.store.models import RunEventRow, RunRow
from cryptodesk.store.records import Run, StoredEvent

UNFINISHED = ("pending", "running")


@dataclass(frozen=True, slots=True)
class PendingEvent:
    seq: int
    type: str
    text: str


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
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
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

    async def finish(
        self,
        run_id: str,
        status: str,
        *,
        error_code: str | None = None,
        error_message: str | None = None,
        usage_json: str | None = None,
    ) -> None:
        async with self._sessions() as s:
            last = await s.execute(
                select(func.coalesce(func.max(RunEventRow.seq), 0)).where(
                    RunEventRow.run_id == run_id
                )
            )
            await s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(
                    status=status,
                    error_code=error_code,
                    error_message=scrub(error_message) if error_message else None,
                    usage_json=usage_json,
                    last_seq=int(last.scalar_one()),
                    finished_at=datetime.now(UTC),
                )
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
        now = datetime.now(UTC)
        async with self._sessions() as s:
            await s.execute(
                insert(RunEventRow),
                [
                    {
                        "run_id": run_id,
                        "seq": e.seq,
                        "type": e.type,
                        "frame": e.text,
                        "created_at": now,
                    }
                    for e in events
                ],
            )
            await s.commit()

    async def last_seq(self, run_id: str) -> int:
        async with self._sessions() as s:
            result = await s.execute(
                select(func.coalesce(func.max(RunEventRow.seq), 0)).where(
                    RunEventRow.run_id == run_id
                )
            )
            return int(result.scalar_one())

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
