"""Start-up migrations are all-or-nothing: one that fails half-way leaves the schema as it was,
so the next start can try again (instead of tripping over half the tables)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from cryptodesk.errors import RunActiveError
from cryptodesk.realtime.protocol import server_frame_adapter
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


async def _upgrade(url: str, revision: str) -> None:
    from alembic import command

    from cryptodesk.store.db import alembic_config

    def upgrade(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


async def test_migrate_to_run_leases_ends_all_but_the_newest_unfinished_run(
    empty_url: str,
) -> None:
    # Before leases, two processes could each leave an unfinished run in one conversation; the
    # unique index of unfinished runs needs one at most: the older ones end as a restart ends
    # a run, with an error frame and the terminal status after their frames.
    await _upgrade(empty_url, "0004")
    engine = create_engine(empty_url)
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO conversations VALUES ('c', 't', :at, :at)"),
            {"at": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        for run_id, minute in (("old", 1), ("new", 2)):
            await conn.execute(
                text(
                    "INSERT INTO runs (id, conversation_id, question, status, engine, last_seq, "
                    "created_at) VALUES (:id, 'c', 'q', 'running', 'offline', 0, :at)"
                ),
                {"id": run_id, "at": datetime(2026, 1, 1, 0, minute, tzinfo=UTC)},
            )
        await conn.execute(
            text("INSERT INTO run_events VALUES ('old', 1, 'status', :frame, :at)"),
            {"frame": '{"seq": 1}', "at": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    await engine.dispose()
    store = await Store.open(empty_url)
    try:
        old, new = await store.runs.get("old"), await store.runs.get("new")
        assert (old.status, old.error_code, old.last_seq) == ("failed", "server_restart", 3)
        assert new.status == "running"
        closing = [json.loads(e.frame) for e in await store.runs.events_after("old", 1)]
        for frame in closing:
            server_frame_adapter.validate_python(frame)
        assert [(f["type"], f["seq"]) for f in closing] == [("error", 2), ("status", 3)]
        assert closing[-1]["final"] is True and closing[-1]["status"] == "failed"
        with pytest.raises(RunActiveError):
            await store.runs.begin("third", "c", "q", "offline", None)
    finally:
        await store.close()
