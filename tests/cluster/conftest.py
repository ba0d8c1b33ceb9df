"""Fixtures of the cluster tests: databases of their own on the session's PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.store.databases import database_in


# Sync fixtures: processes, not coroutines, use these databases.
@pytest.fixture(scope="module")
def module_database(postgres_url: str) -> Iterator[str]:
    """A new database shared by the tests of one module."""
    with database_in(postgres_url, "cluster") as url:
        yield url


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """A new database for one test (one that kills or pauses its replicas)."""
    with database_in(postgres_url, "cluster") as url:
        yield url
