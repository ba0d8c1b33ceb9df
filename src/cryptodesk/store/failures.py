"""Driver errors become `StorageError`s here, at the store boundary.

A full disk, a damaged SQLite file or an unreachable PostgreSQL server are conditions a user can
act on, so they leave the store typed (`StorageFullError`, `StorageCorruptError`, `StorageError`)
and the API answers 507 or 503 with a reason. Errors of our own SQL (a constraint we broke, a
syntax error) are bugs and pass through unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cryptodesk.errors import StorageCorruptError, StorageError, StorageFullError

# SQLite primary result codes (https://sqlite.org/rescode.html); extended codes keep them in
# their low byte.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM = 3, 5, 6, 7
SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL = 8, 10, 11, 13
SQLITE_CANTOPEN, SQLITE_NOTADB = 14, 26

SQLITE_REASONS: dict[int, str] = {
    SQLITE_PERM: "permission denied",
    SQLITE_BUSY: "the database is locked by another process",
    SQLITE_LOCKED: "the database is locked",
    SQLITE_NOMEM: "out of memory",
    SQLITE_READONLY: "the database file is read-only",
    SQLITE_IOERR: "disk I/O error (is the disk full or failing?)",
    SQLITE_CANTOPEN: "the database file cannot be opened",
}


def describe(url: URL) -> str:
    """How messages name a database: the SQLite file, or the server URL without its password."""
    if url.get_backend_name() == "sqlite":
        return f"the database {url.database or ':memory:'}"
    return f"the database {url.render_as_string(hide_password=True)}"


def storage_error(exc: DBAPIError, where: str) -> StorageError | None:
    """The `StorageError` for a driver error, or None when it is not about storage."""
    if isinstance(exc, IntegrityError | ProgrammingError):
        return None
    original: Any = exc.orig
    if isinstance(original, sqlite3.Error):
        return _sqlite(original, where)
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _postgres(sqlstate, str(original).splitlines()[0][:200], where)
    if exc.connection_invalidated:
        return StorageError(where, "the connection to the database was lost")
    return None


def _sqlite(error: sqlite3.Error, where: str) -> StorageError | None:
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary == SQLITE_FULL:
        return StorageFullError(where, "the disk (or the database's size limit) is full")
    if primary == SQLITE_CORRUPT:
        return StorageCorruptError(where, "the file is damaged (database disk image is malformed)")
    if primary == SQLITE_NOTADB:
        return StorageCorruptError(where, "the file is not a SQLite database")
    reason = SQLITE_REASONS.get(primary)
    return StorageError(where, reason) if reason is not None else None


def _postgres(sqlstate: str, detail: str, where: str) -> StorageError | None:
    if sqlstate == "53100":
        return StorageFullError(where, "the database server's disk is full")
    if sqlstate in ("XX001", "XX002"):
        return StorageCorruptError(where, f"the database reports damaged data ({detail})")
    # 53: insufficient resources, 57P: the server is shutting down, 08: connection failures,
    # 25P03: a transaction that idled past idle_in_transaction_session_timeout (`db.py`)
    if sqlstate.startswith(("53", "57P", "08")) or sqlstate == "25P03":
        return StorageError(where, f"the database server cannot serve requests ({detail})")
    return None


@asynccontextmanager
async def storage_errors(where: str) -> AsyncIterator[None]:
    """Driver errors of the block that are about storage leave as `StorageError`."""
    try:
        yield
    except DBAPIError as exc:
        translated = storage_error(exc, where)
        if translated is None:
            raise
        raise translated from exc


class SessionFactory:
    """Opens sessions whose storage failures leave as `StorageError` (the store boundary)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._maker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self.where = describe(engine.url)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with storage_errors(self.where), self._maker() as session:
            yield session
