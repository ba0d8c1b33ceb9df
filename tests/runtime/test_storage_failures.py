"""A run whose frames cannot be stored (the database is full): it ends `failed` once, for the
live subscribers and for anyone who resumes, and its log reaches the store once there is room."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.store.store import Store
from tests.runs.sqlite_limit import SizeLimit
from tests.runtime.client import ask, chat, connect, recv, run_to_end, without_replay_flag
from tests.runtime.filling import FillingEngine
from tests.runtime.invariants import check_run
from tests.runtime.server import running


async def stored_run(url: str, run_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The run's status and frames as the database holds them (read beside the server)."""
    store = await Store.open(url)
    try:
        run = await store.runs.get(run_id)
        return run.status, [json.loads(e.frame) for e in await store.runs.events_after(run_id, 0)]
    finally:
        await store.close()


async def until_stored(url: str, run_id: str, timeout: float = 20.0) -> list[dict[str, Any]]:
    async with asyncio.timeout(timeout):
        while True:
            status, frames = await stored_run(url, run_id)
            if status == "failed":
                return frames
            await asyncio.sleep(0.1)


async def test_run_whose_frames_cannot_be_stored_fails_once_for_everyone(
    replay_settings: Settings,
) -> None:
    engine = FillingEngine()
    app = create_app(replay_settings, engine_for=lambda _c: engine)
    limits: list[SizeLimit] = []

    async def fill(step: int) -> None:
        if step == 5:  # on the server's loop, between two commits
            limits.append(SizeLimit(app.state.desk.store.engine))
            await limits[0].apply()

    engine.on_step = fill
    url = replay_settings.resolved_database_url
    with running(app) as server:
        frames = await ask(server.ws)
        check_run(frames, expect="failed")
        error = frames[-2]
        assert (error["code"], error["recoverable"]) == ("storage_failed", False)
        run_id = frames[0]["run_id"]

        status, on_disk = await stored_run(url, run_id)
        assert status == "running" and len(on_disk) < len(frames)  # the tail is in memory

        async with connect(f"{server.ws}?run_id={run_id}&after_seq=0") as ws:
            greeting = await recv(ws)
            assert greeting["active_run"] == {
                "run_id": run_id,
                "status": "failed",
                "last_seq": len(frames),
            }
            replayed = await run_to_end(ws)
        assert without_replay_flag(replayed) == without_replay_flag(frames)
        rest = httpx.get(f"{server.http}/api/v1/runs/{run_id}/events").json()
        assert (rest["status"], rest["last_seq"], rest["events"]) == ("failed", len(frames), frames)
        assert httpx.get(f"{server.http}/api/v1/runs/{run_id}").json()["status"] == "failed"

        limits[0].lift()  # room again
        assert await until_stored(url, run_id) == frames

        engine.on_step, engine.steps = None, 3
        again = await ask(server.ws, chat("And now?", conversation_id=frames[0]["conversation_id"]))
        check_run(again, expect="completed")
