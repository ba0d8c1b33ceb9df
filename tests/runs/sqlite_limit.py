"""A real SQLite store that runs out of room: `PRAGMA max_page_count` caps the file at its
current size, so every write that needs a new page fails as on a full disk (SQLITE_FULL,
"database or disk is full"). The cap is set on each connection as the pool hands it out, so
it takes effect at the next transaction without disturbing one in progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

SQLITE_MAX_PAGES = 4294967294  # SQLite's own limit: "no cap"


class SizeLimit:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pages = SQLITE_MAX_PAGES
        event.listen(engine.sync_engine, "checkout", self._set)

    def _set(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA max_page_count = {self._pages}")
        cursor.close()

    async def apply(self) -> None:
        """From the next transaction on, the database cannot grow."""
        async with self._engine.connect() as conn:
            self._pages = int((await conn.exec_driver_sql("PRAGMA page_count")).scalar_one())

    def lift(self) -> None:
        """The database can grow again (space was freed)."""
        self._pages = SQLITE_MAX_PAGES
