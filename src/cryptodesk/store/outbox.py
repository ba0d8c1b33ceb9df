"""The delivery outbox: rows are claimed before they are sent and settled after.

- `claim` moves one row from `pending` to `sending` with a conditional update and stamps it with
  the sender's lease epoch: two senders never both win the same row.
- `finish` and `retry` settle only a row still `sending` under that epoch: a sender that lost its
  lease (and whose rows were taken back) cannot overwrite what the new one decided.
- `reclaim` hands rows left in `sending` by an earlier epoch (a crash, a lost lease) back to
  `pending`: they are sent again, so a receiver may see a duplicate only when the crash fell
  between its answer and our commit (the idempotency key lets it drop that one).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select, update

from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.firings import delivery_record
from cryptodesk.store.models import DeliveryRow
from cryptodesk.store.watch_records import Delivery


class OutboxRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        query = (
            select(DeliveryRow)
            .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now)
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit)
        )
        async with self._sessions() as s:
            return [delivery_record(r) for r in (await s.execute(query)).scalars()]

    async def next_due_at(self) -> datetime | None:
        query = select(DeliveryRow.next_attempt_at).where(DeliveryRow.status == "pending")
        async with self._sessions() as s:
            found = (
                await s.execute(query.order_by(DeliveryRow.next_attempt_at).limit(1))
            ).scalar_one_or_none()
        return found

    async def claim(self, delivery_id: str, epoch: int) -> Delivery | None:
        """Takes a pending row for sending (counting the attempt); None when someone else did."""
        now = datetime.now(UTC)
        async with self._sessions() as s:
            claimed = await s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.status == "pending")
                .values(
                    status="sending",
                    claim_epoch=epoch,
                    claimed_at=now,
                    attempts=DeliveryRow.attempts + 1,
                )
                .returning(DeliveryRow)
            )
            row = claimed.scalar_one_or_none()
            record = delivery_record(row) if row is not None else None
            await s.commit()
        return record

    async def finish(self, delivery_id: str, epoch: int, *, error: str | None = None) -> bool:
        """`sent` (no error) or `failed` for good (with the reason)."""
        now = datetime.now(UTC)
        values: dict[str, object] = (
            {"status": "sent", "sent_at": now, "last_error": None}
            if error is None
            else {"status": "failed", "last_error": error}
        )
        return await self._settle(delivery_id, epoch, values)

    async def retry(self, delivery_id: str, epoch: int, error: str, at: datetime) -> bool:
        """Back to `pending` until `at`, keeping the reason of this failure."""
        values = {"status": "pending", "last_error": error, "next_attempt_at": at}
        return await self._settle(delivery_id, epoch, values)

    async def reclaim(self, epoch: int) -> int:
        """Rows another (earlier) sender left in `sending` go back to `pending`; how many."""
        async with self._sessions() as s:
            taken = await s.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.status == "sending",
                    or_(DeliveryRow.claim_epoch.is_(None), DeliveryRow.claim_epoch < epoch),
                )
                .values(status="pending", next_attempt_at=datetime.now(UTC))
            )
            await s.commit()
        return int(taken.rowcount)  # type: ignore[attr-defined]

    async def _settle(self, delivery_id: str, epoch: int, values: dict[str, object]) -> bool:
        async with self._sessions() as s:
            settled = await s.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id == delivery_id,
                    DeliveryRow.status == "sending",
                    DeliveryRow.claim_epoch == epoch,
                )
                .values(**values)
            )
            await s.commit()
        return bool(settled.rowcount)  # type: ignore[attr-defined]
