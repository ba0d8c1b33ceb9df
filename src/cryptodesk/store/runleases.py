"""The leases of runs: renewed by their owner, claimed by a reaper once expired, and the cancel
flag any replica may set (the owner reads it with every renewal and every commit).

Expiry times come from each process's own UTC clock, as for `store.leases`: the clocks of the
replicas must agree to well within a lease's length. On PostgreSQL a cancel request rings
`pg_notify('cryptodesk_cancel', '<run_id>')` in its transaction, so the owner hears it at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Row, or_, select, text, update

from cryptodesk.errors import NotFoundError
from cryptodesk.store.conversations import UNFINISHED
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import RunRow

CANCEL_CHANNEL = "cryptodesk_cancel"
CLAIM_BATCH = 50


@dataclass(frozen=True, slots=True)
class Claim:
    """An orphaned run this process now holds (with a new epoch) to end it."""

    run_id: str
    conversation_id: str
    epoch: int


@dataclass(frozen=True, slots=True)
class RunCursor:
    """Where a run's log stands, as the runs table says (updated with every commit)."""

    run_id: str
    conversation_id: str
    last_seq: int
    finished: bool
    created_at: datetime
    finished_at: datetime | None


class RunLeaseRepo:
    def __init__(self, sessions: SessionFactory, *, notify: bool = False) -> None:
        self._sessions = sessions
        self._notify = notify

    async def renew(self, owner: str, lease_s: float) -> dict[str, bool]:
        """Extends the leases of `owner`'s unfinished runs. Returns them, each with whether a
        cancel was requested; a run of `owner` that is missing was taken over (or ended)."""
        expires = datetime.now(UTC) + timedelta(seconds=lease_s)
        async with self._sessions() as s:
            renewed = await s.execute(
                update(RunRow)
                .where(RunRow.owner == owner, RunRow.status.in_(UNFINISHED))
                .values(lease_expires_at=expires)
                .returning(RunRow.id, RunRow.cancel_requested_at)
            )
            runs = {run_id: requested is not None for run_id, requested in renewed.all()}
            await s.commit()
        return runs

    async def claim_expired(
        self, owner: str, lease_s: float, *, every_unfinished: bool = False
    ) -> list[Claim]:
        """Takes over unfinished runs whose lease expired (or, with `every_unfinished`, all of
        them: a single process starting on SQLite), bumping each one's epoch so their old
        owner can no longer write. Rows another reaper is claiming are skipped, not waited for.
        At most `CLAIM_BATCH` at a time; never a run `owner` itself holds."""
        now = datetime.now(UTC)
        candidates = select(RunRow.id).where(
            RunRow.status.in_(UNFINISHED), or_(RunRow.owner.is_(None), RunRow.owner != owner)
        )
        if not every_unfinished:
            candidates = candidates.where(
                or_(RunRow.lease_expires_at.is_(None), RunRow.lease_expires_at <= now)
            )
        candidates = candidates.limit(CLAIM_BATCH).with_for_update(skip_locked=True)
        async with self._sessions() as s:
            claimed = await s.execute(
                update(RunRow)
                .where(RunRow.id.in_(candidates.scalar_subquery()))
                .values(
                    owner=owner,
                    lease_epoch=RunRow.lease_epoch + 1,
                    lease_expires_at=now + timedelta(seconds=lease_s),
                )
                .returning(RunRow.id, RunRow.conversation_id, RunRow.lease_epoch)
                .execution_options(synchronize_session=False)
            )
            claims = [Claim(r, c, int(e)) for r, c, e in claimed.all()]
            await s.commit()
        return claims

    async def request_cancel(self, run_id: str) -> bool:
        """Flags the run for cancelling, for its owner wherever it runs. False when it has
        already finished; `NotFoundError` for an unknown run."""
        async with self._sessions() as s:
            flagged = await s.execute(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status.in_(UNFINISHED))
                .values(cancel_requested_at=datetime.now(UTC))
                .returning(RunRow.id)
            )
            if flagged.first() is None:
                exists = await s.execute(select(RunRow.id).where(RunRow.id == run_id))
                if exists.first() is None:
                    raise NotFoundError("run", run_id)
                return False
            if self._notify:
                await s.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": CANCEL_CHANNEL, "payload": run_id},
                )
            await s.commit()
        return True

    async def cursor(self, run_id: str) -> RunCursor | None:
        async with self._sessions() as s:
            row = (await s.execute(_CURSOR.where(RunRow.id == run_id))).first()
        return _cursor(row) if row is not None else None

    async def cursors_in(
        self, conversation_ids: Collection[str], finished_since: datetime
    ) -> list[RunCursor]:
        """The runs of these conversations that are unfinished or finished since then."""
        if not conversation_ids:
            return []
        query = _CURSOR.where(
            RunRow.conversation_id.in_(conversation_ids),
            or_(RunRow.status.in_(UNFINISHED), RunRow.finished_at >= finished_since),
        )
        async with self._sessions() as s:
            return [_cursor(row) for row in (await s.execute(query)).all()]


_CURSOR = select(
    RunRow.id,
    RunRow.conversation_id,
    RunRow.last_seq,
    RunRow.status,
    RunRow.created_at,
    RunRow.finished_at,
)


def _cursor(row: Row[str, str, int, str, datetime, datetime | None]) -> RunCursor:
    return RunCursor(
        run_id=row.id,
        conversation_id=row.conversation_id,
        last_seq=int(row.last_seq),
        finished=row.status not in UNFINISHED,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
