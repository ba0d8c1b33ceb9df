"""The whole server on PostgreSQL (CRYPTODESK_DATABASE_URL): a run streams, is stored, replays."""

from __future__ import annotations

import httpx

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.store.models import Base
from cryptodesk.store.store import Store
from tests.runtime.client import SEED_CHAT, connect, recv, run_to_end
from tests.runtime.invariants import check_run
from tests.runtime.server import running


async def test_server_runs_on_postgresql(replay_settings: Settings, postgres_url: str) -> None:
    settings = replay_settings.model_copy(update={"database_url": postgres_url})
    try:
        with running(create_app(settings)) as server:
            async with connect(server.ws) as ws:
                await recv(ws)
                await ws.send(SEED_CHAT)
                frames = await run_to_end(ws)
            stored = httpx.get(f"{server.http}/api/v1/runs/{frames[0]['run_id']}/events").json()
            page = httpx.get(f"{server.http}/api/v1/conversations").json()
        check_run(frames, expect="completed")
        assert stored["events"] == frames
        assert page["total"] == 1 and page["items"][0]["message_count"] == 2
    finally:
        store = await Store.open(postgres_url)
        async with store.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        await store.close()
