"""Firings (what the notifications list shows) and the outbox rows they put there.

A firing's deliveries are written in the same transaction as the firing becomes `ready` (at once
for a plain alert, when its follow-up analysis ended otherwise), one per target, each with the
idempotency key `<firing id>:<target id>` (unique: writing them twice is impossible).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cryptodesk.errors import NotFoundError
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import DeliveryRow, FiringRow
from cryptodesk.store.watch_records import (
    Delivery,
    DeliveryStatus,
    Firing,
    FiringKind,
    FiringStage,
    NewFiring,
)


def firing_record(row: FiringRow) -> Firing:
    return Firing(
        id=row.id,
        kind=cast(FiringKind, row.kind),
        rule_id=row.rule_id,
        schedule_id=row.schedule_id,
        symbol=row.symbol,
        title=row.title,
        message=row.message,
        values=json.loads(row.values),
        data_labels=tuple(json.loads(row.data_labels)),
        target_ids=tuple(json.loads(row.target_ids)),
        fired_at=row.fired_at,
        market_time=row.market_time,
        conversation_id=row.conversation_id,
        run_id=row.run_id,
        follow_up_error=row.follow_up_error,
        stage=cast(FiringStage, row.stage),
        read_at=row.read_at,
        updated_at=row.updated_at,
    )


def delivery_record(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        firing_id=row.firing_id,
        target_id=row.target_id,
        idempotency_key=row.idempotency_key,
        status=cast(DeliveryStatus, row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        claim_epoch=row.claim_epoch,
        sent_at=row.sent_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def idempotency_key(firing_id: str, target_id: str) -> str:
    return f"{firing_id}:{target_id}"


async def add_firing(s: AsyncSession, new: NewFiring, now: datetime) -> str:
    """Inserts a firing (and, when it is ready, its deliveries) in the caller's transaction."""
    firing_id = new_id()
    s.add(
        FiringRow(
            id=firing_id,
            kind=new.kind,
            rule_id=new.rule_id,
            schedule_id=new.schedule_id,
            symbol=new.symbol,
            title=new.title,
            message=new.message,
            values=json.dumps(new.values),
            data_labels=json.dumps(list(new.data_labels)),
            target_ids=json.dumps(list(new.target_ids)),
            fired_at=now,
            market_time=new.market_time,
            conversation_id=new.conversation_id,
            run_id=None,
            follow_up_error=None,
            stage=new.stage,
            read_at=None,
            updated_at=now,
        )
    )
    await s.flush()
    if new.stage == "ready":
        await enqueue(s, firing_id, new.target_ids, now)
    return firing_id


async def enqueue(
    s: AsyncSession, firing_id: str, target_ids: Sequence[str], now: datetime
) -> None:
    if not target_ids:
        return
    await s.execute(
        insert(DeliveryRow),
        [
            {
                "id": new_id(),
                "firing_id": firing_id,
                "target_id": target_id,
                "idempotency_key": idempotency_key(firing_id, target_id),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "claim_epoch": None,
                "claimed_at": None,
                "sent_at": None,
                "last_error": None,
                "created_at": now,
            }
            for target_id in dict.fromkeys(target_ids)
        ],
    )


class FiringRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def record(self, new: NewFiring) -> Firing:
        """A firing of its own (a scheduled analysis); its deliveries if it is ready."""
        now = datetime.now(UTC)
        async with self._sessions() as s:
            firing_id = await add_firing(s, new, now)
            await s.commit()
        return await self.get(firing_id)

    async def get(self, firing_id: str) -> Firing:
        async with self._sessions() as s:
            row = await s.get(FiringRow, firing_id)
        if row is None:
            raise NotFoundError("notification", firing_id)
        return firing_record(row)

    async def page(
        self, limit: int, *, unread_only: bool = False, before: datetime | None = None
    ) -> tuple[list[Firing], int, int]:
        """Newest first; also the total and the unread count."""
        query = select(FiringRow).order_by(FiringRow.fired_at.desc(), FiringRow.id).limit(limit)
        if unread_only:
            query = query.where(FiringRow.read_at.is_(None))
        if before is not None:
            query = query.where(FiringRow.fired_at < before)
        async with self._sessions() as s:
            rows = (await s.execute(query)).scalars().all()
            total = (await s.execute(select(func.count()).select_from(FiringRow))).scalar_one()
            unread = (
                await s.execute(
                    select(func.count()).select_from(FiringRow).where(FiringRow.read_at.is_(None))
                )
            ).scalar_one()
        return [firing_record(r) for r in rows], int(total), int(unread)

    async def for_rule(self, rule_id: str, limit: int = 100) -> list[Firing]:
        query = (
            select(FiringRow)
            .where(FiringRow.rule_id == rule_id)
            .order_by(FiringRow.fired_at.desc())
            .limit(limit)
        )
        async with self._sessions() as s:
            return [firing_record(r) for r in (await s.execute(query)).scalars()]

    async def changed_since(self, since: datetime, limit: int = 100) -> list[Firing]:
        """Firings created or changed after `since`, oldest change first (the live feed)."""
        query = (
            select(FiringRow)
            .where(FiringRow.updated_at > since)
            .order_by(FiringRow.updated_at, FiringRow.id)
            .limit(limit)
        )
        async with self._sessions() as s:
            return [firing_record(r) for r in (await s.execute(query)).scalars()]

    async def mark_read(self, ids: Sequence[str] | None) -> int:
        """Marks these (or, with None, all) notifications read; how many changed."""
        now = datetime.now(UTC)
        statement = update(FiringRow).where(FiringRow.read_at.is_(None))
        if ids is not None:
            statement = statement.where(FiringRow.id.in_(list(ids)))
        async with self._sessions() as s:
            result = await s.execute(statement.values(read_at=now))
            await s.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def link_run(
        self, firing_id: str, run_id: str | None, conversation_id: str | None, error: str | None
    ) -> None:
        """The follow-up analysis started (or could not start, with `error`)."""
        async with self._sessions() as s:
            await s.execute(
                update(FiringRow)
                .where(FiringRow.id == firing_id)
                .values(
                    run_id=run_id,
                    conversation_id=conversation_id,
                    follow_up_error=error,
                    updated_at=datetime.now(UTC),
                )
            )
            await s.commit()

    async def awaiting(self) -> list[Firing]:
        query = select(FiringRow).where(FiringRow.stage == "awaiting_run")
        async with self._sessions() as s:
            return [firing_record(r) for r in (await s.execute(query)).scalars()]

    async def settle(self, firing_id: str, message: str, error: str | None) -> bool:
        """Ends a firing's wait for its analysis: the final message, then its deliveries, in one
        transaction and only once (a conditional update on the stage)."""
        now = datetime.now(UTC)
        async with self._sessions() as s:
            values: dict[str, object] = {"stage": "ready", "message": message, "updated_at": now}
            if error is not None:
                values["follow_up_error"] = error
            settled = await s.execute(
                update(FiringRow)
                .where(FiringRow.id == firing_id, FiringRow.stage == "awaiting_run")
                .values(**values)
                .returning(FiringRow.target_ids)
            )
            targets = settled.scalar_one_or_none()
            if targets is None:
                return False
            await enqueue(s, firing_id, json.loads(targets), now)
            await s.commit()
        return True

    async def deliveries(self, firing_ids: Sequence[str]) -> dict[str, list[Delivery]]:
        if not firing_ids:
            return {}
        query = (
            select(DeliveryRow)
            .where(DeliveryRow.firing_id.in_(list(firing_ids)))
            .order_by(DeliveryRow.created_at, DeliveryRow.id)
        )
        found: dict[str, list[Delivery]] = {}
        async with self._sessions() as s:
            for row in (await s.execute(query)).scalars():
                found.setdefault(row.firing_id, []).append(delivery_record(row))
        return found
