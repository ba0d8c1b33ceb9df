"""A damaged database file: `chat` answers with an error frame and keeps the socket, nothing is
half-created, and readiness reports the database as not ready."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.runtime.client import ask, chat, connect, recv
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import running


def damage_table(database: Path, table: str) -> None:
    """Overwrites the root page of `table` with garbage (the file stays a SQLite database)."""
    with sqlite3.connect(database) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    conn.close()
    with database.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(bytes([0xA5]) * page_size)


async def test_damaged_database_gives_error_frames_and_not_ready(
    replay_settings: Settings, tmp_path: Path
) -> None:
    engine = ScriptedEngine(steps=1, pause_s=0.0)
    with running(create_app(replay_settings, engine_for=lambda _c: engine)) as server:
        for question in ("price of BTC", "price of ETH"):
            await ask(server.ws, chat(question))
    copy = replay_settings.model_copy(update={"data_dir": tmp_path / "copy"})
    copy.data_dir.mkdir()
    database = copy.data_dir / "cryptodesk.db"
    shutil.copy(replay_settings.data_dir / "cryptodesk.db", database)
    damage_table(database, "runs")

    with running(create_app(copy, engine_for=lambda _c: engine)) as server:
        before = httpx.get(f"{server.http}/api/v1/conversations").json()
        async with connect(server.ws) as ws:
            await recv(ws)
            for _ in range(3):  # every try gets an answer, the socket stays open
                await ws.send(chat("price of SOL"))
                error = await recv(ws)
                assert (error["type"], error["code"]) == ("error", "storage_corrupt"), error
                assert "cryptodesk.db" in error["message"]
                assert "Traceback" not in str(error)
            await ws.send('{"type": "ping", "payload": {}}')
            assert (await recv(ws))["type"] == "pong"
        after = httpx.get(f"{server.http}/api/v1/conversations").json()
        assert after["total"] == before["total"] == 2  # no empty conversation was left
        ready = httpx.get(f"{server.http}/api/v1/health/ready")
        assert ready.status_code == 503
        database_status = ready.json()["database"]
        assert database_status["ready"] is False
        assert "damaged" in database_status["detail"]
