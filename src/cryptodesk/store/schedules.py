"""Scheduled analyses. The scheduler claims a due run by moving `next_run_at` forward with a
conditional update (on the value it read), so a run happens once whoever holds the scheduler."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import select, update

from cryptodesk.errors import ConflictError, NotFoundError
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.firings import add_firing
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import ScheduleRow
from cryptodesk.store.watch_records import NewFiring, Schedule, ScheduleStatus


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    cron: str
    coin_id: str
    symbol: str
    timeframe: str
    question: str
    target_ids: tuple[str, ...]
    label: str
    next_run_at: datetime


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        cron=row.cron,
        coin_id=row.coin_id,
        symbol=row.symbol,
        timeframe=row.timeframe,
        question=row.question,
        target_ids=tuple(json.loads(row.target_ids)),
        status=cast(ScheduleStatus, row.status),
        label=row.label,
        conversation_id=row.conversation_id,
        next_run_at=row.next_run_at,
        last_run_at=row.last_run_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class ScheduleRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def create(self, spec: ScheduleSpec) -> Schedule:
        now = datetime.now(UTC)
        row = ScheduleRow(
            id=new_id(),
            cron=spec.cron,
            coin_id=spec.coin_id,
            symbol=spec.symbol,
            timeframe=spec.timeframe,
            question=spec.question,
            target_ids=json.dumps(list(spec.target_ids)),
            status="active",
            label=spec.label,
            conversation_id=None,
            next_run_at=spec.next_run_at,
            last_run_at=None,
            created_at=now,
            updated_at=now,
        )
        async with self._sessions() as s:
            s.add(row)
            await s.commit()
        return _schedule(row)

    async def get(self, schedule_id: str) -> Schedule:
        async with self._sessions() as s:
            row = await s.get(ScheduleRow, schedule_id)
        if row is None or row.status == "deleted":
            raise NotFoundError("schedule", schedule_id)
        return _schedule(row)

    async def listed(self) -> list[Schedule]:
        query = (
            select(ScheduleRow)
            .where(ScheduleRow.status != "deleted")
            .order_by(ScheduleRow.created_at, ScheduleRow.id)
        )
        async with self._sessions() as s:
            return [_schedule(r) for r in (await s.execute(query)).scalars()]

    async def due(self, now: datetime) -> list[Schedule]:
        query = select(ScheduleRow).where(
            ScheduleRow.status == "active", ScheduleRow.next_run_at <= now
        )
        async with self._sessions() as s:
            return [_schedule(r) for r in (await s.execute(query)).scalars()]

    async def next_due_at(self) -> datetime | None:
        query = (
            select(ScheduleRow.next_run_at)
            .where(ScheduleRow.status == "active")
            .order_by(ScheduleRow.next_run_at)
            .limit(1)
        )
        async with self._sessions() as s:
            return (await s.execute(query)).scalar_one_or_none()

    async def claim(
        self, schedule: Schedule, next_run_at: datetime, firing: NewFiring
    ) -> str | None:
        """Moves a due schedule to its next time and records its firing, in one transaction;
        the firing id, or None when another scheduler claimed this run first."""
        now = datetime.now(UTC)
        async with self._sessions() as s:
            moved = await s.execute(
                update(ScheduleRow)
                .where(
                    ScheduleRow.id == schedule.id,
                    ScheduleRow.status == "active",
                    ScheduleRow.next_run_at == schedule.next_run_at,
                )
                .values(next_run_at=next_run_at, last_run_at=now)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return None
            firing_id = await add_firing(s, firing, now)
            await s.commit()
        return firing_id

    async def set_status(
        self,
        schedule_id: str,
        status: ScheduleStatus,
        allowed_from: Sequence[ScheduleStatus],
        next_run_at: datetime | None = None,
    ) -> Schedule:
        values: dict[str, object] = {"status": status, "updated_at": datetime.now(UTC)}
        if next_run_at is not None:
            values["next_run_at"] = next_run_at
        async with self._sessions() as s:
            changed = await s.execute(
                update(ScheduleRow)
                .where(ScheduleRow.id == schedule_id, ScheduleRow.status.in_(list(allowed_from)))
                .values(**values)
                .returning(ScheduleRow)
            )
            row = changed.scalar_one_or_none()
            if row is None:
                current = await s.get(ScheduleRow, schedule_id)
                if current is None or current.status == "deleted":
                    raise NotFoundError("schedule", schedule_id)
                raise ConflictError(f"schedule {schedule_id} is {current.status}")
            schedule = _schedule(row)
            await s.commit()
        return schedule

    async def set_conversation(self, schedule_id: str, conversation_id: str) -> None:
        async with self._sessions() as s:
            await s.execute(
                update(ScheduleRow)
                .where(ScheduleRow.id == schedule_id)
                .values(conversation_id=conversation_id)
            )
            await s.commit()
