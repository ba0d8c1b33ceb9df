"""Database engine, session factory and start-up migrations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, literal, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from cryptodesk.errors import StorageCorruptError
from cryptodesk.filemodes import private_file
from cryptodesk.store.failures import describe, storage_errors
from cryptodesk.store.models import Base

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


# The PostgreSQL advisory lock every CryptoDesk process takes to migrate (any fixed bigint;
# this one reads "cdmigrat" in ASCII, so it is recognisable in pg_locks).
MIGRATION_LOCK_ID = 0x63646D6967726174

IDLE_IN_TRANSACTION_S = 10.0
"""PostgreSQL ends a transaction whose client has not sent anything for this long."""


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # SQLite gives its -wal and -shm files the mode of the database file.
            private_file(path, create=True)
            for suffix in SQLITE_COMPANIONS:
                private_file(path.with_name(path.name + suffix))
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # A process that stops mid-transaction (SIGSTOP, a frozen VM) would keep its row locks,
    # and with them the runs it owned, from the replicas that must end them: the server ends
    # such a transaction (our transactions never wait on the client for long).
    idle = {"idle_in_transaction_session_timeout": str(int(IDLE_IN_TRANSACTION_S * 1000))}
    return create_async_engine(url, pool_pre_ping=True, connect_args={"server_settings": idle})


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
    async with storage_errors(describe(engine.url)), engine.begin() as conn:
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


async def check(engine: AsyncEngine, *, integrity: bool) -> None:
    """Reads every table and, with `integrity`, runs SQLite's `quick_check` over the whole
    file: a database that answers `SELECT 1` can still be damaged where the data is."""
    async with storage_errors(describe(engine.url)), engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        for table in Base.metadata.sorted_tables:
            await conn.execute(select(literal(1)).select_from(table).limit(1))
        if integrity and engine.url.get_backend_name() == "sqlite":
            found = [
                str(r) for r in (await conn.exec_driver_sql("PRAGMA quick_check(3)")).scalars()
            ]
            if found != ["ok"]:
                raise StorageCorruptError(
                    describe(engine.url), f"the file is damaged ({'; '.join(found)})"
                )
