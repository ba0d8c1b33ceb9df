"""Driver errors become typed `StorageError`s at the store boundary; our own SQL errors do not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from cryptodesk.errors import (
    NotFoundError,
    StorageCorruptError,
    StorageError,
    StorageFullError,
)
from cryptodesk.store.failures import storage_error
from cryptodesk.store.ids import new_id
from cryptodesk.store.store import Store
from tests.runs.sqlite_limit import SizeLimit
from tests.runtime.test_corrupt_database import damage_table


def url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def test_failures_full_sqlite_database_is_storage_full(tmp_path: Path) -> None:
    store = await Store.open(url(tmp_path / "cryptodesk.db"))
    try:
        await SizeLimit(store.engine).apply()
        with pytest.raises(StorageFullError) as info:
            await store.runs.begin(new_id(), None, "x" * 50_000, "offline", None)
        assert str(tmp_path / "cryptodesk.db") in info.value.message
        assert info.value.retryable
        assert await store.conversations.page(10, 0) == ([], 0)  # nothing half-written
    finally:
        await store.close()


async def test_failures_file_that_is_not_a_database_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "cryptodesk.db"
    path.write_bytes(b"not a database at all" * 1000)
    with pytest.raises(StorageCorruptError, match="not a SQLite database") as info:
        await Store.open(url(path))
    assert not info.value.retryable


async def test_failures_damaged_table_is_corrupt_and_fails_the_check(tmp_path: Path) -> None:
    path = tmp_path / "cryptodesk.db"
    await (await Store.open(url(path))).close()
    damage_table(path, "conversations")
    store = await Store.open(url(path))
    try:
        with pytest.raises(StorageCorruptError, match="damaged"):
            await store.conversations.create("q")
        with pytest.raises(StorageCorruptError, match="damaged"):
            await store.check()
    finally:
        await store.close()


async def test_failures_errors_of_our_own_sql_are_not_storage_errors(tmp_path: Path) -> None:
    store = await Store.open(url(tmp_path / "cryptodesk.db"))
    try:
        with pytest.raises(NotFoundError):  # a foreign key: the conversation is missing
            await store.runs.begin(new_id(), "missing", "q", "offline", None)
        async with store.engine.connect() as conn:
            with pytest.raises(DBAPIError) as info:
                await conn.execute(text("SELECT * FROM no_such_table"))
        assert storage_error(info.value, "the database") is None
    finally:
        await store.close()


def _wrapped(error: Exception) -> DBAPIError:
    return OperationalError("INSERT ...", {}, error)


@pytest.mark.parametrize(
    ("code", "expected", "reason"),
    [
        (13, StorageFullError, "full"),  # SQLITE_FULL
        (10 | (3 << 8), StorageError, "disk I/O error"),  # SQLITE_IOERR_WRITE
        (5, StorageError, "locked"),  # SQLITE_BUSY
        (11, StorageCorruptError, "damaged"),  # SQLITE_CORRUPT
    ],
)
def test_failures_sqlite_result_codes(code: int, expected: type, reason: str) -> None:
    error = sqlite3.OperationalError("from the driver")
    error.sqlite_errorcode = code  # type: ignore[attr-defined]  # what sqlite3 sets
    translated = storage_error(_wrapped(error), "the database x.db")
    assert type(translated) is expected
    assert translated is not None and reason in translated.message


class _PostgresError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate  # as SQLAlchemy's asyncpg adapter exposes it


@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [
        ("53100", StorageFullError),  # disk_full
        ("53200", StorageError),  # out_of_memory
        ("57P01", StorageError),  # admin_shutdown
        ("08006", StorageError),  # connection_failure
        ("XX001", StorageCorruptError),  # data_corrupted
        ("22001", type(None)),  # string too long: our bug, not storage
    ],
)
def test_failures_postgres_sqlstates(sqlstate: str, expected: type) -> None:
    translated = storage_error(_wrapped(_PostgresError(sqlstate)), "the database")
    assert type(translated) is expected


def test_failures_integrity_errors_pass_through() -> None:
    error = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
    error.sqlite_errorcode = 787  # type: ignore[attr-defined]
    assert storage_error(IntegrityError("INSERT", {}, error), "the database") is None
