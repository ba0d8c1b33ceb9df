"""The store facade: one engine, one session factory, the repositories."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from cryptodesk.store.charts import ChartRepo
from cryptodesk.store.conversations import ConversationRepo
from cryptodesk.store.db import create_engine, migrate, ping, sessionmaker_for
from cryptodesk.store.runs import RunRepo
from cryptodesk.store.sessions import SessionRepo
from cryptodesk.store.settings import SettingsRepo


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        sessions = sessionmaker_for(engine)
        self.conversations = ConversationRepo(sessions)
        self.runs = RunRepo(sessions)
        self.charts = ChartRepo(sessions)
        self.settings = SettingsRepo(sessions)
        self.sessions = SessionRepo(sessions)

    @classmethod
    async def open(cls, url: str) -> Store:
        """Connects and applies migrations."""
        engine = create_engine(url)
        await migrate(engine)
        return cls(engine)

    async def ping(self) -> None:
        await ping(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()
