"""Real databases for the store tests: a SQLite file, and a throwaway PostgreSQL cluster.

PostgreSQL comes from CRYPTODESK_TEST_POSTGRES_URL, or from Debian's `postgresql` package: a
temporary cluster is created with initdb and started on a free loopback port.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:  # initdb refuses to run as root
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_cluster() -> Iterator[str]:
    url = os.environ.get("CRYPTODESK_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="cryptodesk-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log")]
    subprocess.run(
        _as_postgres([*pg_ctl, "-o", options, "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,  # the server inherits pipes: never wait on them
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


async def _admin(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def database_in(server_url: str, prefix: str = "test") -> Iterator[str]:
    """A new, empty database on the cluster of `server_url` (dropped afterwards, even with
    connections left open)."""
    admin = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement: str) -> None:
        # A thread of its own: the caller may be inside a running event loop (an async fixture).
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _admin(dsn, statement)).result()

    run(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
