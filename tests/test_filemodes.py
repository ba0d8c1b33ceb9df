"""The data directory and the database are private to the user who runs CryptoDesk."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.runtime.client import ask
from tests.runtime.server import running


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def settings_for(data: Path) -> Settings:
    return Settings(data_dir=data, market_data="demo", _env_file=None)  # type: ignore[call-arg]


async def test_filemodes_new_installation_is_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    with running(create_app(settings_for(data))) as server:
        await ask(server.ws)  # the WAL and its index exist while the server writes
        files = {p.name: mode(p) for p in data.iterdir() if p.name.startswith("cryptodesk.db")}
    assert mode(data) == 0o700
    assert files == {
        "cryptodesk.db": 0o600,
        "cryptodesk.db-wal": 0o600,
        "cryptodesk.db-shm": 0o600,
        "cryptodesk.db.serving": 0o600,  # the lock that keeps a second server off this file
    }


async def test_filemodes_existing_installation_is_fixed_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    database = data / "cryptodesk.db"
    with sqlite3.connect(database) as conn:  # an older version's files: 0644 in a 0755 dir
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE leftover (x)")
        wal = data / "cryptodesk.db-wal"
        assert wal.exists()
        for path in (database, wal, data / "cryptodesk.db-shm"):
            path.chmod(0o644)
        with running(create_app(settings_for(data))):
            assert mode(data) == 0o700
            assert {mode(p) for p in data.glob("cryptodesk.db*")} == {0o600}
    conn.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
async def test_filemodes_files_of_other_users_are_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    os.chown(data, 65534, 65534)  # set up by an administrator for us
    with running(create_app(settings_for(data))):
        assert mode(data) == 0o755
        assert mode(data / "cryptodesk.db") == 0o600  # ours: created by us
