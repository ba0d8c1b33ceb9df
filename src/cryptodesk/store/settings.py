"""Settings changed from the API, as JSON values by name (validated before they get here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import SettingRow


class SettingsRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def load(self) -> dict[str, Any]:
        async with self._sessions() as session:
            rows = (await session.execute(select(SettingRow))).scalars().all()
        return {row.key: json.loads(row.value) for row in rows}

    async def save(self, values: dict[str, Any], cleared: set[str]) -> None:
        """Stores `values` and forgets `cleared` (back to the environment or default), at once."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            if cleared:
                await session.execute(delete(SettingRow).where(SettingRow.key.in_(cleared)))
            for key, value in values.items():
                await session.merge(SettingRow(key=key, value=json.dumps(value), updated_at=now))
