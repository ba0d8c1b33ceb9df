"""The store facade: one engine, one session factory, the repositories."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncEngine

from cryptodesk.store.alerts import AlertRepo
from cryptodesk.store.backtests import BacktestRepo
from cryptodesk.store.calls import CallRepo
from cryptodesk.store.charts import ChartRepo
from cryptodesk.store.conversations import ConversationRepo
from cryptodesk.store.counters import CounterRepo
from cryptodesk.store.db import check, create_engine, migrate
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.feedback import FeedbackRepo
from cryptodesk.store.firings import FiringRepo
from cryptodesk.store.leases import LeaseRepo
from cryptodesk.store.outbox import OutboxRepo
from cryptodesk.store.runleases import RunLeaseRepo
from cryptodesk.store.runs import RunRepo
from cryptodesk.store.schedules import ScheduleRepo
from cryptodesk.store.sessions import SessionRepo
from cryptodesk.store.settings import SettingsRepo
from cryptodesk.store.spend import SpendRepo
from cryptodesk.store.targets import TargetRepo
from cryptodesk.store.watchlist import WatchlistRepo

INTEGRITY_CHECK_EVERY_S = 60.0
"""SQLite's quick_check reads the whole file (~0.15 s per 100 MB): a healthy result is reused
this long, a failed one is checked again at the next call."""


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.db = SessionFactory(engine)
        notify = self.shared
        self.conversations = ConversationRepo(self.db)
        self.runs = RunRepo(self.db, notify=notify)
        self.run_leases = RunLeaseRepo(self.db, notify=notify)
        self.counters = CounterRepo(self.db, notify=notify)
        self.charts = ChartRepo(self.db)
        self.settings = SettingsRepo(self.db)
        self.sessions = SessionRepo(self.db)
        self.leases = LeaseRepo(self.db)
        self.calls = CallRepo(self.db)
        self.backtests = BacktestRepo(self.db)
        self.feedback = FeedbackRepo(self.db)
        self.spend = SpendRepo(self.db)
        self.watchlist = WatchlistRepo(self.db)
        self.alerts = AlertRepo(self.db)
        self.firings = FiringRepo(self.db)
        self.outbox = OutboxRepo(self.db)
        self.targets = TargetRepo(self.db)
        self.schedules = ScheduleRepo(self.db)
        self._verified_at: float | None = None

    @classmethod
    async def open(cls, url: str) -> Store:
        """Connects and applies migrations (`StorageError` when the database cannot be used)."""
        engine = create_engine(url)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    @classmethod
    async def verify(cls, url: str) -> None:
        """Opens, migrates and checks the database, then closes it: `StorageError` when it
        cannot be used (what `cryptodesk serve` checks before it starts the server)."""
        store = await cls.open(url)
        try:
            await store.check()
        finally:
            await store.close()

    @property
    def shared(self) -> bool:
        """Whether several processes may serve this database at once (PostgreSQL: replicas
        with a LISTEN/NOTIFY doorbell) or one only (SQLite)."""
        return self.engine.dialect.name == "postgresql"

    @property
    def where(self) -> str:
        """The database, as messages name it (no password)."""
        return self.db.where

    async def check(self) -> None:
        """Raises `StorageError` unless every table can be read and the file is intact."""
        now = time.monotonic()
        due = self._verified_at is None or now - self._verified_at > INTEGRITY_CHECK_EVERY_S
        try:
            await check(self.engine, integrity=due)
        except BaseException:
            self._verified_at = None
            raise
        if due:
            self._verified_at = now

    async def close(self) -> None:
        await self.engine.dispose()
