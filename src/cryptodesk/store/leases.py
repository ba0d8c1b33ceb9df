"""Leases on named cluster-wide jobs: taken, renewed and given back with conditional writes, so
two processes on one database never both believe they hold the same name.

Portable SQL (SQLite and PostgreSQL): a lease is taken by inserting its row or by updating a row
whose lease has expired (or that this holder already holds); renewal updates only the row with
this holder and epoch. The database's clock is not used: every process sets `expires_at` from
its own UTC clock, so the clocks of replicas must agree to well within the lease's length.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import LeaseRow


class LeaseRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def acquire(self, name: str, holder: str, ttl_s: float) -> int | None:
        """Takes the lease for `ttl_s` seconds; its epoch, or None while another holds it."""
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=ttl_s)
        async with self._sessions() as s:
            taken = await s.execute(
                update(LeaseRow)
                .where(
                    LeaseRow.name == name,
                    or_(LeaseRow.expires_at <= now, LeaseRow.holder == holder),
                )
                .values(holder=holder, epoch=LeaseRow.epoch + 1, expires_at=expires)
                .returning(LeaseRow.epoch)
            )
            epoch = taken.scalar_one_or_none()
            if epoch is not None:
                await s.commit()
                return int(epoch)
            s.add(LeaseRow(name=name, holder=holder, epoch=1, expires_at=expires))
            try:
                await s.commit()
            except IntegrityError:  # the row exists and someone else holds it
                return None
            return 1

    async def renew(self, name: str, holder: str, epoch: int, ttl_s: float) -> bool:
        """Extends a lease this holder still has (same epoch); False when it was lost."""
        expires = datetime.now(UTC) + timedelta(seconds=ttl_s)
        async with self._sessions() as s:
            renewed = await s.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == holder, LeaseRow.epoch == epoch)
                .values(expires_at=expires)
                .returning(LeaseRow.epoch)
            )
            ok = renewed.scalar_one_or_none() is not None
            await s.commit()
            return ok

    async def release(self, name: str, holder: str, epoch: int) -> None:
        """Gives the lease back at once (the next taker need not wait for it to expire). The
        row stays, so the next holder's epoch is still higher."""
        async with self._sessions() as s:
            await s.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == holder, LeaseRow.epoch == epoch)
                .values(expires_at=datetime.now(UTC))
            )
            await s.commit()

    async def holder(self, name: str) -> tuple[str, int] | None:
        """Who holds `name` now (holder, epoch), or None when nobody does."""
        now = datetime.now(UTC)
        async with self._sessions() as s:
            row = (
                await s.execute(
                    select(LeaseRow).where(LeaseRow.name == name, LeaseRow.expires_at > now)
                )
            ).scalar_one_or_none()
            return (row.holder, row.epoch) if row is not None else None
