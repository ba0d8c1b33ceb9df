"""Counters that grow with every change of something each replica caches (`SETTINGS`: the
stored settings and the vault's secrets). A replica reads one before it relies on its cache and
reloads when the number moved; on PostgreSQL a change also rings
`pg_notify('cryptodesk_counter', '<name>:<value>')`, so the others reload at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import CounterRow

COUNTER_CHANNEL = "cryptodesk_counter"
SETTINGS = "settings"


class CounterRepo:
    def __init__(self, sessions: SessionFactory, *, notify: bool = False) -> None:
        self._sessions = sessions
        self._notify = notify

    async def get(self, name: str) -> int:
        """The counter's value (0 before its first change)."""
        async with self._sessions() as s:
            value = (
                await s.execute(select(CounterRow.value).where(CounterRow.name == name))
            ).scalar()
        return int(value or 0)

    async def bump(self, name: str) -> int:
        """Adds one; the new value."""
        now = datetime.now(UTC)
        for _attempt in range(3):
            async with self._sessions() as s:
                bumped = await s.execute(
                    update(CounterRow)
                    .where(CounterRow.name == name)
                    .values(value=CounterRow.value + 1, updated_at=now)
                    .returning(CounterRow.value)
                )
                value = bumped.scalar()
                if value is None:
                    s.add(CounterRow(name=name, value=1, updated_at=now))
                    value = 1
                if self._notify:
                    await s.execute(
                        text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": COUNTER_CHANNEL, "payload": f"{name}:{value}"},
                    )
                try:
                    await s.commit()
                except IntegrityError:  # another process created the row first
                    continue
                return int(value)
        raise RuntimeError(f"counter {name} could not be bumped")
