"""Start-up migrations are all-or-nothing: one that fails half-way leaves the schema as it was,
so the next start can try again (instead of tripping over half the tables)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from cryptodesk.store.db import create_engine, migrate
from cryptodesk.store.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'cryptodesk.db'}"
        return
    url = str(request.getfixturevalue("postgres_url"))
    yield url
    engine = create_engine(url)
    async with engine.begin() as conn:
        for table in await conn.run_sync(lambda sync: inspect(sync).get_table_names()):
            await conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_migrate_failing_half_way_changes_nothing(empty_url: str) -> None:
    # The second migration creates `settings`: a table already there makes it fail after the
    # first migration has created the others.
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE settings (stray INTEGER)")
        with pytest.raises(SQLAlchemyError, match="settings"):
            await migrate(engine)
    finally:
        await engine.dispose()
    assert await _tables(empty_url) == {"settings"}

    engine = create_engine(empty_url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DROP TABLE settings")
    await engine.dispose()
    store = await Store.open(empty_url)  # the next start migrates from scratch
    await store.close()
    assert {"alembic_version", "conversations", "runs", "settings"} <= await _tables(empty_url)
