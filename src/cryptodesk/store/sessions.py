"""Login sessions: the generation every valid session cookie must carry, and the sessions that
were logged out one by one (until their cookies expire)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import RevokedSessionRow, SessionStateRow

GENERATION = "generation"
_GENERATION = select(SessionStateRow.value).where(SessionStateRow.key == GENERATION)


class SessionRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def state(self) -> tuple[int, frozenset[str]]:
        """The current generation and the ids of revoked sessions that have not expired."""
        now = datetime.now(UTC)
        async with self._sessions() as s:
            generation = (await s.execute(_GENERATION)).scalar_one()
            revoked = (
                await s.execute(
                    select(RevokedSessionRow.session_id).where(RevokedSessionRow.expires_at > now)
                )
            ).scalars()
            return int(generation), frozenset(revoked)

    async def revoke(self, session_id: str, expires_at: datetime) -> None:
        """Remembers a logged-out session until its cookie would have expired anyway."""
        async with self._sessions() as s, s.begin():
            await s.execute(
                delete(RevokedSessionRow).where(RevokedSessionRow.expires_at <= datetime.now(UTC))
            )
            await s.merge(RevokedSessionRow(session_id=session_id, expires_at=expires_at))

    async def next_generation(self) -> int:
        """Invalidates every session issued so far; returns the new generation."""
        async with self._sessions() as s, s.begin():
            await s.execute(
                update(SessionStateRow)
                .where(SessionStateRow.key == GENERATION)
                .values(value=SessionStateRow.value + 1, updated_at=datetime.now(UTC))
            )
            generation = (await s.execute(_GENERATION)).scalar_one()
        return int(generation)
