"""Database engine, session factory and start-up migrations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The PostgreSQL advisory lock every CryptoDesk process takes to migrate (any fixed bigint;
# this one reads "cdmigrat" in ASCII, so it is recognisable in pg_locks).
MIGRATION_LOCK_ID = 0x63646D6967726174


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def sessionmaker_for(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _upgrade(connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Applies every Alembic migration up to head, one process at a time.

    Replicas starting together would otherwise run the same DDL at once, and all but one
    would fail half-way. The lock belongs to the migration's own transaction, so whoever
    waited for it sees the schema the holder committed, at head, and applies nothing.
    """
    async with engine.begin() as conn:
        await _lock_for_migration(conn)
        await conn.run_sync(_upgrade)
    log.info("database migrated to head")


async def _lock_for_migration(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        lock = {"id": MIGRATION_LOCK_ID}
        if not (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), lock)).scalar():
            log.info("another process is migrating the database: waiting for it to finish")
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), lock)
    elif conn.dialect.name == "sqlite":
        # The driver starts no transaction before DDL: take SQLite's write lock for the whole
        # migration (others wait up to the busy timeout), which also makes it all-or-nothing.
        await conn.exec_driver_sql("BEGIN IMMEDIATE")


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
