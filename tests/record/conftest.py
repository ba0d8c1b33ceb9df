"""The record tests use the store fixture of the store tests (SQLite and PostgreSQL)."""

from tests.store.conftest import store

__all__ = ["store"]
