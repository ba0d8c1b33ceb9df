"""Replicas starting together on a fresh database: exactly one migrates, all come up."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from cryptodesk.store.db import alembic_config, create_engine
from cryptodesk.store.models import Base
from tests.deploy.servers import ServeProcess, serve_env
from tests.runtime.server import REPO

REPLICAS = 3
# Alembic logs one line per migration it applies: "Running upgrade 0001 -> 0002, ..."
APPLIED = re.compile(r"Running upgrade [\w ]*-> \w+")


def _migrations() -> list[str]:
    return [rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


async def _schema(url: str) -> tuple[list[str], set[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    return [row[0] for row in versions], tables


def _start(tmp_path: Path, url: str) -> list[ServeProcess]:
    return [
        ServeProcess(tmp_path, serve_env(tmp_path / f"replica{i}", url)) for i in range(REPLICAS)
    ]


async def _all_blocked(
    conn: asyncpg.Connection, database: str, replicas: list[ServeProcess]
) -> None:
    """Waits until every replica's migration is stuck behind a lock (ours, or each other's)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for replica in replicas:
            assert replica.proc.poll() is None, f"a replica exited:\n{replica.output}"
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
            database,
        )
        if waiting == REPLICAS:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the replicas never all reached their migration")


def _check_migrated_once(replicas: Sequence[ServeProcess | Migrator]) -> None:
    applied = sorted(len(APPLIED.findall(replica.output)) for replica in replicas)
    assert applied == [0] * (REPLICAS - 1) + [len(_migrations())], (
        f"exactly one replica applies the migrations, the others find the schema at head: {applied}"
    )


@pytest.mark.timeout(300)
async def test_migrate_runs_once_when_replicas_start_together_on_postgresql(
    fresh_database: str, tmp_path: Path
) -> None:
    # A barrier, so the replicas reach their migrations at the same moment whatever their
    # start-up times: an open transaction dropping the schema holds the lock every CREATE
    # TABLE in it needs. Once all three are waiting, it rolls back and lets them race.
    url = make_url(fresh_database)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    gate, watch = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    replicas: list[ServeProcess] = []
    try:
        gate_tx = gate.transaction()
        await gate_tx.start()
        await gate.execute("DROP SCHEMA public CASCADE")
        replicas = _start(tmp_path, fresh_database)
        # Watched from another connection: pg_stat_activity stays frozen within a transaction.
        await _all_blocked(watch, str(url.database), replicas)
        await gate_tx.rollback()
        for replica in replicas:
            replica.wait_healthy()
    finally:
        await gate.close()
        await watch.close()
        for replica in replicas:
            replica.stop()

    versions, tables = await _schema(fresh_database)
    assert versions == [_migrations()[0]]  # walk_revisions starts at head
    assert set(Base.metadata.tables) <= tables
    _check_migrated_once(replicas)


def _all_opened(path: Path, replicas: Sequence[ServeProcess | Migrator]) -> None:
    """Waits until every process has the database file open, then a moment for its first
    write to start waiting on SQLite's lock."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for replica in replicas:
            assert replica.proc.poll() is None, f"a replica exited:\n{replica.output}"
        if all(_has_open(replica.proc.pid, path) for replica in replicas):
            time.sleep(1)
            return
        time.sleep(0.1)
    raise AssertionError("the replicas never all opened the database")


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(fd.resolve() == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # a descriptor closed while we looked
        return False


class Migrator:
    """A process that opens the store (migrating it) and exits: what a server and the CLI's
    in-process commands all do first."""

    def __init__(self, workdir: Path, url: str, index: int) -> None:
        self.log_path = workdir / f"migrator{index}.log"
        script = (
            "import asyncio, logging, sys\n"
            "from cryptodesk.store.store import Store\n"
            "logging.basicConfig(level=logging.INFO)\n"
            "asyncio.run(Store.verify(sys.argv[1]))\n"
        )
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", script, url],
                cwd=workdir,
                env={**os.environ, "PYTHONPATH": str(REPO / "src")},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.timeout(300)
async def test_migrate_runs_once_when_processes_start_together_on_sqlite(tmp_path: Path) -> None:
    # One process serves a SQLite file (tests/cluster/test_servinglock.py), but the CLI's
    # commands may start beside it, and each migrates first. The same barrier: a write
    # transaction held open on the (WAL) database file until every process has opened it and
    # is waiting to write.
    path = tmp_path / "cryptodesk.db"
    url = f"sqlite+aiosqlite:///{path}"
    gate = sqlite3.connect(path, isolation_level=None)
    migrators: list[Migrator] = []
    try:
        gate.execute("PRAGMA journal_mode=WAL")
        gate.execute("BEGIN IMMEDIATE")
        migrators = [Migrator(tmp_path, url, i) for i in range(REPLICAS)]
        _all_opened(path, migrators)
        gate.execute("ROLLBACK")
        for migrator in migrators:
            assert migrator.proc.wait(120) == 0, migrator.output
    finally:
        gate.close()
        for migrator in migrators:
            if migrator.proc.poll() is None:
                migrator.proc.kill()

    versions, tables = await _schema(url)
    assert versions == [_migrations()[0]]
    assert set(Base.metadata.tables) <= tables
    _check_migrated_once(migrators)
