"""Fixtures of the deployment tests: a throwaway PostgreSQL cluster and fresh databases in it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.store.databases import postgres_cluster


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url


async def _admin(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def _database(postgres_server: str) -> Iterator[str]:
    admin = make_url(postgres_server)
    name = f"deploy_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    asyncio.run(_admin(dsn, f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Sync fixtures, so that tests parametrized over backends can ask for them with
# `getfixturevalue`, which an async fixture does not allow from an async test.
@pytest.fixture
def fresh_database(postgres_server: str) -> Iterator[str]:
    """The URL of a new, empty database: what a first deployment starts on."""
    with _database(postgres_server) as url:
        yield url


@pytest.fixture(scope="module")
def module_database(postgres_server: str) -> Iterator[str]:
    """A new database shared by the tests of one module."""
    with _database(postgres_server) as url:
        yield url
