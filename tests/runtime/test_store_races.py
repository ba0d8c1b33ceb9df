"""Writes that race a DELETE of their conversation: a clear answer, never a 500 or a dropped
socket, and nothing half-created left behind."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.store.store import Store
from tests.runtime.client import ClientConnection, ask, chat, connect, is_final, recv
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import LiveServer, running

CHAT_ROUNDS = 30
PATCH_ROUNDS = 30

ORPHANS = {
    "runs without their conversation": "SELECT count(*) FROM runs r LEFT JOIN conversations c "
    "ON c.id = r.conversation_id WHERE c.id IS NULL",
    "messages without their conversation": "SELECT count(*) FROM messages m LEFT JOIN "
    "conversations c ON c.id = m.conversation_id WHERE c.id IS NULL",
    "messages of runs that do not exist": "SELECT count(*) FROM messages m LEFT JOIN runs r "
    "ON r.id = m.run_id WHERE m.run_id IS NOT NULL AND r.id IS NULL",
    "events without their run": "SELECT count(*) FROM run_events e LEFT JOIN runs r "
    "ON r.id = e.run_id WHERE r.id IS NULL",
    "conversations without a question": "SELECT count(*) FROM conversations c WHERE NOT EXISTS "
    "(SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.role = 'user')",
    "runs without their question": "SELECT count(*) FROM runs r WHERE NOT EXISTS "
    "(SELECT 1 FROM messages m WHERE m.run_id = r.id AND m.role = 'user')",
    "unfinished runs": "SELECT count(*) FROM runs WHERE status IN ('pending', 'running')",
}


@pytest.fixture
def quick_server(replay_settings: Settings) -> Iterator[LiveServer]:
    engine = ScriptedEngine(steps=1, pause_s=0.0)
    settings = replay_settings.model_copy(update={"chat_rate_per_minute": 1000})
    with running(create_app(settings, engine_for=lambda _c: engine)) as server:
        yield server


async def orphans(url: str) -> dict[str, int]:
    store = await Store.open(url)
    try:
        async with store.engine.connect() as conn:
            return {
                name: (await conn.execute(text(sql))).scalar_one() for name, sql in ORPHANS.items()
            }
    finally:
        await store.close()


async def answer_to_chat(ws: ClientConnection) -> dict[str, Any]:
    """The chat's error frame, or the terminal status of the run it started."""
    while True:
        frame = await recv(ws)
        if frame["type"] == "error" and frame.get("run_id") is None:
            return frame
        if is_final(frame):
            return frame


async def still_open(ws: ClientConnection) -> None:
    await ws.send('{"type": "ping", "payload": {}}')
    while (await recv(ws))["type"] != "pong":
        pass


async def test_chat_racing_delete_of_its_conversation(
    quick_server: LiveServer, replay_settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=quick_server.http) as client:
        async with connect(quick_server.ws) as ws:
            await recv(ws)
            for i in range(CHAT_ROUNDS):
                first = await ask(quick_server.ws, chat("price of BTC"))
                cid = first[0]["conversation_id"]
                delete = client.delete(f"/api/v1/conversations/{cid}")
                if i % 2:  # which request the server reads first alternates
                    deletion = asyncio.create_task(delete)
                    await asyncio.sleep(0)
                    await ws.send(chat("and ETH?", conversation_id=cid))
                    deleted, answer = await asyncio.gather(deletion, answer_to_chat(ws))
                else:
                    await ws.send(chat("and ETH?", conversation_id=cid))
                    deleted, answer = await asyncio.gather(delete, answer_to_chat(ws))
                if answer["type"] == "error":
                    assert answer["code"] == "not_found", answer
                    assert deleted.status_code == 204
                else:
                    assert answer["status"] == "completed", answer
                    assert deleted.status_code in (204, 409), deleted.text
                await still_open(ws)
    assert await orphans(replay_settings.resolved_database_url) == dict.fromkeys(ORPHANS, 0)


async def test_rename_racing_delete_is_a_404(quick_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=quick_server.http) as client:
        for i in range(PATCH_ROUNDS):
            cid = (await ask(quick_server.ws, chat(f"price of BTC {i}")))[0]["conversation_id"]
            path = f"/api/v1/conversations/{cid}"
            rename = client.patch(path, json={"title": "renamed"})
            if i % 2:  # which request the server reads first alternates
                deleted, renamed = await asyncio.gather(client.delete(path), rename)
            else:
                renamed, deleted = await asyncio.gather(rename, client.delete(path))
            assert deleted.status_code == 204, deleted.text
            assert renamed.status_code in (200, 404), renamed.text
            if renamed.status_code == 404:
                assert renamed.json()["code"] == "not_found"
