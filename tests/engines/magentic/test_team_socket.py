"""The LLM team end to end: the real app on uvicorn, a real WebSocket, the loopback fake LLM."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer, Reply, default_responder
from tests.runtime.client import chat, connect, recv, recv_until, run_frames, run_to_end
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running

ENGINE = "magentic:openai-compatible/fake-model"


@pytest.fixture
def team_server(settings: Settings) -> Iterator[LiveServer]:
    with running(create_app(settings)) as server:
        yield server


async def test_team_streams_the_full_frame_sequence(team_server: LiveServer, llm: FakeLLM) -> None:
    async with connect(team_server.ws) as ws:
        hello = await recv(ws)
        assert hello["engine"] == ENGINE
        await ws.send(chat("Analyze BTC on the 4h chart"))
        frames = await run_to_end(ws)
    check_run(frames, expect="completed")
    kinds = [f["type"] for f in frames]
    assert kinds[:3] == ["status", "status", "agent_step"]
    plan = frames[2]
    assert (plan["agent"], plan["emoji"], plan["status"]) == ("Orchestrator", "🧭", "working")
    delegation = next(
        f for f in frames if f["type"] == "agent_step" and f["agent"] == "CryptoMarketAnalyst"
    )
    assert delegation["message"].startswith("Fetch the current BTC price")
    after = frames[frames.index(delegation) + 1]
    assert after["type"] == "progress" and after["current_turn"] == 1
    calls = [f for f in frames if f["type"] == "tool_call"]
    results = [f for f in frames if f["type"] == "tool_result"]
    assert [c["tool_name"] for c in calls] == ["get_crypto_price"]
    assert results[0]["call_id"] == calls[0]["call_id"] and results[0]["success"]
    assert calls[0]["agent"] == "CryptoMarketAnalyst"
    deltas = [f for f in frames if f["type"] == "agent_step" and f.get("delta")]
    assert {f["agent"] for f in deltas} == {"CryptoMarketAnalyst", "ReportWriter"}
    result = frames[-2]
    assert result["engine"] == ENGINE
    assert "get_crypto_price" in result["content"]
    assert result["usage"]["prompt_tokens"] == llm.prompt_tokens
    assert result["usage"]["completion_tokens"] == llm.completion_tokens
    assert result["agents_used"] == ["Orchestrator", "CryptoMarketAnalyst", "ReportWriter"]
    stored = httpx.get(f"{team_server.http}/api/v1/runs/{frames[0]['run_id']}/events").json()
    assert stored["events"] == frames


async def test_team_readiness_reports_the_llm(team_server: LiveServer) -> None:
    body = httpx.get(f"{team_server.http}/api/v1/health/ready").json()
    assert body["llm_status"] == "connected"
    assert body["llm_model"] == "fake-model"
    assert isinstance(body["llm_latency_ms"], int)
    assert body["engine_name"] == ENGINE


async def test_team_cancel_mid_llm_call_closes_the_request(
    team_server: LiveServer, llm: FakeLLM
) -> None:
    def slow_worker(fake: FakeLLM, body: dict[str, Any], kind: str) -> Reply:
        reply = default_responder(fake, body, kind)
        reply.delay_s = 30.0 if kind == "worker" else 0.0
        return reply

    llm.responder = slow_worker
    async with connect(team_server.ws) as ws:
        await recv(ws)
        await ws.send(chat("Analyze BTC on the 4h chart"))
        await recv_until(ws, lambda f: f["type"] == "progress")
        while not llm.of_kind("worker"):
            await asyncio.sleep(0.01)
        await ws.send(json.dumps({"type": "cancel", "payload": {}}))
        frames = await run_to_end(ws)
    assert frames[-1]["status"] == "cancelled"
    assert await asyncio.to_thread(llm.request_closed.wait, 5.0)
    assert llm.of_kind("worker")[0].closed_early
    sent = len(llm.requests)
    await asyncio.sleep(0.3)
    assert len(llm.requests) == sent, "no LLM request after the cancel"


async def test_team_llm_down_falls_back_to_the_offline_analyst(
    team_server: LiveServer, llm: FakeLLM
) -> None:
    llm.fail_status = 503
    async with connect(team_server.ws) as ws:
        await recv(ws)
        await ws.send(chat("Analyze BTC on the 4h chart"))
        frames = await run_to_end(ws)
    mine = run_frames(frames, frames[0]["run_id"])
    check_run(mine, expect="completed")
    errors = [f for f in mine if f["type"] == "error"]
    assert len(errors) == 1 and errors[0]["recoverable"] is True
    assert errors[0]["code"] == "llm_unavailable"
    assert "offline analyst answers instead" in errors[0]["message"]
    assert "HTTP 503" not in errors[0]["message"]  # a plain message; the status in details
    assert "HTTP 503 from openai-compatible at http://127.0.0.1:" in errors[0]["details"]
    result = mine[-2]
    assert result["engine"] == "offline (LLM fallback)"
    assert "llm_fallback" in result["data_labels"]


async def test_team_remembers_the_previous_question(team_server: LiveServer, llm: FakeLLM) -> None:
    async with connect(team_server.ws) as ws:
        await recv(ws)
        await ws.send(chat("Analyze BTC on the 4h chart"))
        first = await run_to_end(ws)
        conversation = first[0]["conversation_id"]
        before = len(llm.requests)
        await ws.send(chat("and what about ETH on the daily?", conversation_id=conversation))
        second = await run_to_end(ws)
    check_run(run_frames(second, second[0]["run_id"]), expect="completed")
    facts = next(r for r in llm.requests[before:] if r.kind == "facts")
    assert "Analyze BTC on the 4h chart" in facts.all_text
    assert "and what about ETH on the daily?" in facts.all_text


def test_fake_llm_server_fixture_is_loopback(llm_server: FakeLLMServer) -> None:
    assert llm_server.url.startswith("http://127.0.0.1:")
