"""Restart recovery (kill -9 mid-run) and graceful shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.store.store import Store
from tests.runtime.client import SEED_CHAT, connect, recv, recv_until
from tests.runtime.invariants import check_run
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import REPO, free_port, running


def wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


async def test_restart_marks_a_crashed_run_failed(replay_settings: Settings) -> None:
    port = free_port()
    assert replay_settings.replay_dir is not None
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.runtime.slow_server",
            str(port),
            str(replay_settings.data_dir),
            str(replay_settings.replay_dir),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/api/v1/health", proc)
        async with connect(f"ws://127.0.0.1:{port}/ws/stream") as ws:
            await recv(ws)
            await ws.send(SEED_CHAT)
            head = await recv_until(ws, lambda f: f["type"] == "tool_call")
            proc.send_signal(signal.SIGKILL)  # a crash: no shutdown code runs
            proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    run_id = head[0]["run_id"]

    with running(create_app(replay_settings)) as server:
        run = httpx.get(f"{server.http}/api/v1/runs/{run_id}").json()
        stored = httpx.get(f"{server.http}/api/v1/runs/{run_id}/events").json()["events"]
    assert run["status"] == "failed"
    assert run["error_code"] == "server_restart"
    assert stored[: len(head)] == head
    check_run(stored, expect="failed")
    assert stored[-2]["type"] == "error" and stored[-2]["code"] == "server_restart"


async def test_shutdown_cancels_running_runs_and_records_it(replay_settings: Settings) -> None:
    engine = ScriptedEngine(tool_wait_s=3600)
    with running(create_app(replay_settings, engine_for=lambda _c: engine)) as server:
        async with connect(server.ws) as ws:
            await recv(ws)
            await ws.send(SEED_CHAT)
            head = await recv_until(ws, lambda f: f["type"] == "tool_call")
            server.server.should_exit = True
            await asyncio.sleep(0.5)
    run_id = head[0]["run_id"]
    assert engine.cancelled_tools == ["c1"]
    store = await Store.open(replay_settings.resolved_database_url)
    try:
        run = await store.runs.get(run_id)
        stored = [
            __import__("json").loads(e.frame) for e in await store.runs.events_after(run_id, 0)
        ]
    finally:
        await store.close()
    assert run.status == "cancelled"
    check_run(stored, expect="cancelled")
    assert "shutting down" in stored[-1]["message"]
