from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cryptodesk.store.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cryptodesk.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = await Store.open(url)
    try:
        yield opened
    finally:
        if request.param == "postgresql":
            from cryptodesk.store.models import Base

            async with opened.engine.begin() as conn:
                await conn.run_sync(Base.metadata.drop_all)
                await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await opened.close()
