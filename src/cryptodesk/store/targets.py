"""Notification targets: a name and the masked form of an Apprise URL (the URL itself is a
secret in the vault)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from cryptodesk.errors import NotFoundError
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import NotifyTargetRow
from cryptodesk.store.watch_records import NotifyTarget


def _target(row: NotifyTargetRow) -> NotifyTarget:
    return NotifyTarget(
        id=row.id,
        name=row.name,
        service=row.service,
        masked=row.masked,
        created_at=row.created_at,
        tested_at=row.tested_at,
        test_ok=row.test_ok,
        test_detail=row.test_detail,
    )


class TargetRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def create(self, target_id: str, name: str, service: str, masked: str) -> NotifyTarget:
        row = NotifyTargetRow(
            id=target_id,
            name=name,
            service=service,
            masked=masked,
            created_at=datetime.now(UTC),
            tested_at=None,
            test_ok=None,
            test_detail=None,
        )
        async with self._sessions() as s:
            s.add(row)
            await s.commit()
        return _target(row)

    async def get(self, target_id: str) -> NotifyTarget:
        async with self._sessions() as s:
            row = await s.get(NotifyTargetRow, target_id)
        if row is None:
            raise NotFoundError("notification target", target_id)
        return _target(row)

    async def listed(self) -> list[NotifyTarget]:
        query = select(NotifyTargetRow).order_by(NotifyTargetRow.created_at, NotifyTargetRow.id)
        async with self._sessions() as s:
            return [_target(r) for r in (await s.execute(query)).scalars()]

    async def existing(self, ids: list[str]) -> set[str]:
        query = select(NotifyTargetRow.id).where(NotifyTargetRow.id.in_(ids))
        async with self._sessions() as s:
            return set((await s.execute(query)).scalars())

    async def record_test(self, target_id: str, ok: bool, detail: str) -> NotifyTarget:
        async with self._sessions() as s:
            await s.execute(
                update(NotifyTargetRow)
                .where(NotifyTargetRow.id == target_id)
                .values(tested_at=datetime.now(UTC), test_ok=ok, test_detail=detail)
            )
            await s.commit()
        return await self.get(target_id)

    async def delete(self, target_id: str) -> bool:
        async with self._sessions() as s:
            removed = await s.execute(
                delete(NotifyTargetRow).where(NotifyTargetRow.id == target_id)
            )
            await s.commit()
        return bool(removed.rowcount)  # type: ignore[attr-defined]
