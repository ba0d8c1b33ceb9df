"""Runs that fail: timeout, engine errors, crashes. Always exactly one terminal status."""

from __future__ import annotations

import json

import httpx

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.domain.events import AgentStep, EventSink, RunError
from cryptodesk.engines.base import RunRequest
from cryptodesk.errors import CoinNotFoundError
from tests.runtime.client import ask
from tests.runtime.invariants import check_run
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import running


class RaisingEngine:
    name = "raising"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        await sink.emit(AgentStep("Orchestrator", "🧭", "working", "planning", "s1"))
        await sink.emit(RunError("upstream_hiccup", "a source was slow", recoverable=True))
        raise self.exc


async def test_run_timeout_fails_the_run(replay_settings: Settings) -> None:
    settings = replay_settings.model_copy(update={"run_timeout_s": 0.3})
    engine = ScriptedEngine(tool_wait_s=30)
    with running(create_app(settings, engine_for=lambda _c: engine)) as server:
        frames = await ask(server.ws)
        run = httpx.get(f"{server.http}/api/v1/runs/{frames[0]['run_id']}").json()
    check_run(frames, expect="failed")
    error = frames[-2]
    assert error["type"] == "error" and error["code"] == "run_timeout"
    assert error["recoverable"] is False
    assert engine.cancelled_tools == ["c1"]
    assert run["error_code"] == "run_timeout"


async def test_engine_error_reaches_the_user_as_a_typed_error(replay_settings: Settings) -> None:
    engine = RaisingEngine(CoinNotFoundError("FOOCOIN"))
    with running(create_app(replay_settings, engine_for=lambda _c: engine)) as server:
        frames = await ask(server.ws)
    check_run(frames, expect="failed")
    errors = [f for f in frames if f["type"] == "error"]
    assert [(e["code"], e["recoverable"]) for e in errors] == [
        ("upstream_hiccup", True),
        ("coin_not_found", False),
    ]
    assert "FOOCOIN" in str(errors[1]["message"])


async def test_engine_crash_is_reported_without_internals(replay_settings: Settings) -> None:
    engine = RaisingEngine(ValueError("secret internal detail sk-abc123"))
    with running(create_app(replay_settings, engine_for=lambda _c: engine)) as server:
        frames = await ask(server.ws)
        stored = httpx.get(f"{server.http}/api/v1/runs/{frames[0]['run_id']}/events").json()
    check_run(frames, expect="failed")
    assert frames[-2]["code"] == "internal_error"
    text = json.dumps(frames) + json.dumps(stored)
    assert "sk-abc123" not in text and "Traceback" not in text
    assert str(frames[0]["run_id"]) in str(frames[-2]["details"])


async def test_engine_without_report_fails_the_run(replay_settings: Settings) -> None:
    class Silent:
        name = "silent"

        async def run(self, request: RunRequest, sink: EventSink) -> None:
            return None

    with running(create_app(replay_settings, engine_for=lambda _c: Silent())) as server:
        frames = await ask(server.ws)
    check_run(frames, expect="failed")
    assert frames[-2]["code"] == "engine_error"
