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
    assert kinds[:4] == ["status", "status", "progress", "agent_step"]
    estimate = frames[2]
    assert estimate["current_turn"] == 0 and estimate["spent"] is None
    assert estimate["estimate"]["llm_calls"] == 6 and estimate["estimate"]["prompt_tokens"] > 0
    plan = frames[3]
    assert (plan["agent"], plan["emoji"], plan["status"]) == ("Orchestrator", "🧭", "working")
    # The first round: every data call of the plan, each under its specialist, then the chart.
    calls = {f["tool_name"]: f for f in frames if f["type"] == "tool_call"}
    assert set(calls) == {
        "get_crypto_price",
        "compute_indicators",
        "find_key_levels",
        "detect_patterns",
        "assess_outlook",
        "create_chart",
    }
    assert calls["get_crypto_price"]["agent"] == "CryptoMarketAnalyst"
    assert calls["assess_outlook"]["agent"] == "TechnicalAnalyst"
    assert calls["create_chart"]["agent"] == "ChartingAgent"
    results = {f["call_id"]: f for f in frames if f["type"] == "tool_result"}
    assert all(results[c["call_id"]]["success"] for c in calls.values())
    deltas = {f["agent"] for f in frames if f["type"] == "agent_step" and f.get("delta")}
    assert deltas == {"CryptoMarketAnalyst", "TechnicalAnalyst", "ChartingAgent", "ReportWriter"}
    result = frames[-2]
    assert result["engine"] == ENGINE
    assert "get_crypto_price" in result["content"]
    assert result["usage"]["prompt_tokens"] == llm.prompt_tokens
    assert result["usage"]["completion_tokens"] == llm.completion_tokens
    # The live meter: the last progress carried the spend of every call but the report's.
    spent = [f["spent"] for f in frames if f["type"] == "progress" and f["spent"]]
    assert spent[-1]["prompt_tokens"] == result["usage"]["prompt_tokens"]
    assert result["agents_used"] == [
        "Orchestrator",
        "CryptoMarketAnalyst",
        "TechnicalAnalyst",
        "ChartingAgent",
        "ReportWriter",
    ]
    # The outlook is assess_outlook's structured output: its signals name this run's calls.
    (outlook,) = result["outlook"]
    assert (outlook["symbol"], outlook["timeframe"]) == ("BTC", "4h")
    ids = {c["call_id"] for c in calls.values()}
    assert {s["call_id"] for s in outlook["signals"]} <= ids
    assert result["bottom_line"].startswith("BTC on 4h at ")
    assert result["content"].startswith(result["bottom_line"])
    assert result["answer_kind"] == "answered"
    assert result["grounding"]["unmatched"] == []
    assert result["grounding"]["checked"] == result["grounding"]["matched"] > 0
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
    judged = next(r for r in llm.requests[before:] if r.kind == "ledger")
    assert "Analyze BTC on the 4h chart" in judged.all_text
    assert "and what about ETH on the daily?" in judged.all_text


def test_fake_llm_server_fixture_is_loopback(llm_server: FakeLLMServer) -> None:
    assert llm_server.url.startswith("http://127.0.0.1:")


async def test_team_model_without_tool_calling_is_known_before_the_run(
    settings: Settings, llm: FakeLLM
) -> None:
    """The start-up check found the model cannot call tools: the header's readiness says so,
    and a question goes to the offline analyst at once, not after failing mid-run."""

    def no_tools(fake: FakeLLM, body: dict[str, Any], kind: str) -> Reply:
        if body.get("tools"):
            return Reply("this model does not support tools", status=400)
        return default_responder(fake, body, kind)

    llm.responder = no_tools
    with running(create_app(settings)) as server:
        ready = httpx.get(f"{server.http}/api/v1/health/ready").json()
        assert ready["llm_problem"].startswith("The model 'fake-model' cannot call tools")
        async with connect(server.ws) as ws:
            await recv(ws)
            await ws.send(chat("Analyze BTC on the 4h chart"))
            frames = await run_to_end(ws)
    check_run(frames, expect="completed")
    errors = [f for f in frames if f["type"] == "error"]
    assert [(e["code"], e["recoverable"]) for e in errors] == [("llm_no_tools", True)]
    assert "offline analyst answers" in errors[0]["message"]
    assert frames[-2]["engine"] == "offline (LLM fallback)"
    assert llm.run_requests == [], "no LLM call for a model known to lack tool calling"


async def test_team_unmatched_figure_reaches_the_result_and_the_export(
    team_server: LiveServer, llm: FakeLLM
) -> None:
    invented = "$123,456.78"

    def inventive(fake: FakeLLM, body: dict[str, Any], kind: str) -> Reply:
        if kind in ("report", "repair"):
            return Reply(f"## BTC\nBTC could reach {invented} [1: get_crypto_price].")
        return default_responder(fake, body, kind)

    llm.responder = inventive
    async with connect(team_server.ws) as ws:
        await recv(ws)
        await ws.send(chat("Analyze BTC on the 4h chart"))
        frames = await run_to_end(ws)
    check_run(frames, expect="completed")
    result = frames[-2]
    assert result["grounding"]["unmatched"] == [{"text": invented, "value": 123456.78}]
    assert invented in result["content"]  # flagged, not hidden
    base = f"{team_server.http}/api/v1/conversations/{frames[0]['conversation_id']}"
    export = httpx.get(f"{base}/export").text
    assert f"{invented}⚠ [1: get_crypto_price]" in export
    assert f"⚠ no tool result has this figure: {invented} (" in export
