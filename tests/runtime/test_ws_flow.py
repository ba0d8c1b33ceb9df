"""A question's whole frame sequence over a real socket, and the seed's frames verbatim."""

from __future__ import annotations

import json

import httpx

from tests.runtime.client import SEED_CHAT, ask, connect, recv, run_frames, run_to_end
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer


async def test_ws_seed_chat_streams_a_complete_run(offline_server: LiveServer) -> None:
    async with connect(offline_server.ws) as ws:
        hello = await recv(ws)
        assert hello["type"] == "status" and hello["status"] == "connected"
        assert hello["engine"] == "offline"
        assert hello["active_run"] is None
        await ws.send(SEED_CHAT)
        frames = await run_to_end(ws)
    run_id = frames[0]["run_id"]
    mine = run_frames(frames, run_id)
    assert mine == frames
    check_run(mine, expect="completed")
    types = {f["type"] for f in mine}
    assert {"agent_step", "progress", "tool_call", "tool_result", "result"} <= types
    result = next(f for f in mine if f["type"] == "result")
    assert result["engine"] == "offline"
    assert "offline analyst" in result["content"].lower()
    assert "get_crypto_price" in {f["tool_name"] for f in mine if f["type"] == "tool_call"}
    assert all(f["replay"] is False for f in mine)


async def test_ws_stored_log_equals_live_stream(offline_server: LiveServer) -> None:
    frames = await ask(offline_server.ws)
    run_id = frames[0]["run_id"]
    response = httpx.get(f"{offline_server.http}/api/v1/runs/{run_id}/events")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "completed"
    assert body["last_seq"] == len(frames)
    assert body["events"] == frames


async def test_ws_seed_ping_gets_pong(offline_server: LiveServer) -> None:
    async with connect(offline_server.ws) as ws:
        await recv(ws)
        await ws.send('{"type": "ping", "payload": {}}')
        pong = await recv(ws)
    assert pong["type"] == "pong"
    assert pong["runs"] == {}
    assert pong["v"] == 1


async def test_ws_seed_cancel_without_run_is_a_quiet_no_op(offline_server: LiveServer) -> None:
    async with connect(offline_server.ws) as ws:
        await recv(ws)
        await ws.send('{"type": "cancel", "payload": {}}')
        await ws.send('{"type": "ping", "payload": {}}')
        frame = await recv(ws)
    assert frame["type"] == "pong"  # nothing (no error) came before the pong


async def test_ws_pong_reports_followed_runs(offline_server: LiveServer) -> None:
    async with connect(offline_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        frames = await run_to_end(ws)
        await ws.send(json.dumps({"type": "ping", "payload": {"acks": {}}}))
        pong = await recv(ws)
    run_id = frames[0]["run_id"]
    assert pong["runs"] == {run_id: {"status": "completed", "last_seq": len(frames)}}


async def test_ws_follow_up_question_continues_the_conversation(
    offline_server: LiveServer,
) -> None:
    async with connect(offline_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        first = await run_to_end(ws)
        conversation_id = first[0]["conversation_id"]
        await ws.send(
            json.dumps(
                {
                    "type": "chat",
                    "payload": {"message": "and ETH?", "conversation_id": conversation_id},
                }
            )
        )
        second = await run_to_end(ws)
    assert second[0]["conversation_id"] == conversation_id
    assert second[0]["run_id"] != first[0]["run_id"]
    check_run(second)
    detail = httpx.get(f"{offline_server.http}/api/v1/conversations/{conversation_id}").json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant", "user", "assistant"]
    assert len(detail["runs"]) == 2
