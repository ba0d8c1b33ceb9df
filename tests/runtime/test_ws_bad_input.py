"""Bad input gets PROTOCOL.md's answers; the socket stays open where it says so."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cryptodesk.config import Settings
from tests.runtime.client import SEED_CHAT, ask, connect, recv, run_to_end
from tests.runtime.server import LiveServer


async def expect_error(server: LiveServer, raw: str | bytes, code: str = "bad_request") -> None:
    async with connect(server.ws) as ws:
        await recv(ws)
        await ws.send(raw)
        frame = await recv(ws)
        assert frame["type"] == "error", frame
        assert frame["code"] == code, frame
        assert frame["recoverable"] is True
        assert "Traceback" not in json.dumps(frame)
        # the socket stays open and usable
        await ws.send('{"type": "ping", "payload": {}}')
        assert (await recv(ws))["type"] == "pong"


@pytest.mark.parametrize(
    "raw",
    [
        "this is not json",
        "[1, 2, 3]",
        '{"type": "shout", "payload": {}}',
        '{"payload": {"message": "hi"}}',
        '{"type": "chat", "payload": {}}',
        '{"type": "chat"}',
        '{"type": "chat", "payload": {"message": ""}}',
        '{"type": "chat", "payload": {"message": 42}}',
        '{"type": "chat", "payload": {"message": "hi", "options": {"max_turns": 0}}}',
        '{"type": "ping", "payload": {"acks": "all"}}',
    ],
    ids=[
        "not-json",
        "not-object",
        "unknown-type",
        "missing-type",
        "missing-message",
        "missing-payload",
        "empty-message",
        "wrong-type",
        "bad-option",
        "bad-acks",
    ],
)
async def test_ws_bad_frame_gets_bad_request(offline_server: LiveServer, raw: str) -> None:
    await expect_error(offline_server, raw)


async def test_ws_oversized_message_gets_bad_request(offline_server: LiveServer) -> None:
    chat = {"type": "chat", "payload": {"message": "x" * 8001}}
    await expect_error(offline_server, json.dumps(chat))


async def test_ws_message_of_exactly_8000_chars_is_accepted(offline_server: LiveServer) -> None:
    chat = {"type": "chat", "payload": {"message": "What is the price of Bitcoin? " + "x" * 7970}}
    async with connect(offline_server.ws) as ws:
        await recv(ws)
        await ws.send(json.dumps(chat))
        frames = await run_to_end(ws)
    assert frames[-1]["final"] is True


async def test_ws_unknown_conversation_in_chat_is_not_found(offline_server: LiveServer) -> None:
    chat = {"type": "chat", "payload": {"message": "hi", "conversation_id": "missing"}}
    await expect_error(offline_server, json.dumps(chat), code="not_found")
    page = httpx.get(f"{offline_server.http}/api/v1/conversations").json()
    assert page["total"] == 0  # nothing was created for the bad request


async def test_ws_frame_over_64_kib_closes_1009(offline_server: LiveServer) -> None:
    async with connect(offline_server.ws, max_size=None) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "chat", "payload": {"message": "x" * 70_000}}))
        with pytest.raises(ConnectionClosed):
            while True:
                await recv(ws)
    assert ws.close_code == 1009


@pytest.mark.parametrize("query", ["run_id=nope&after_seq=0", "conversation_id=nope"])
async def test_ws_connect_to_unknown_id_closes_4404(offline_server: LiveServer, query: str) -> None:
    async with connect(f"{offline_server.ws}?{query}") as ws:
        frame = await recv(ws)
        assert frame["code"] == "not_found"
        with pytest.raises(ConnectionClosed):
            await recv(ws)
    assert ws.close_code == 4404


async def test_ws_foreign_origin_is_refused_before_accept(offline_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with connect(offline_server.ws, origin="http://evil.example"):  # type: ignore[arg-type]
            pass
    assert info.value.response.status_code == 403


async def test_ws_own_origin_is_accepted(offline_server: LiveServer) -> None:
    origin = f"http://127.0.0.1:{offline_server.port}"
    async with connect(offline_server.ws, origin=origin) as ws:  # type: ignore[arg-type]
        assert (await recv(ws))["status"] == "connected"


async def test_ws_configured_origin_is_accepted(replay_settings: Settings) -> None:
    from cryptodesk.app import create_app
    from tests.runtime.server import running

    settings = replay_settings.model_copy(update={"allowed_origins": ["http://localhost:5173"]})
    with running(create_app(settings)) as server:
        async with connect(server.ws, origin="http://localhost:5173") as ws:  # type: ignore[arg-type]
            assert (await recv(ws))["status"] == "connected"


async def test_ws_too_many_chats_are_rate_limited(replay_settings: Settings) -> None:
    from cryptodesk.app import create_app
    from tests.runtime.server import running

    settings = replay_settings.model_copy(update={"chat_rate_per_minute": 2})
    with running(create_app(settings)) as server:
        async with connect(server.ws) as ws:
            await recv(ws)
            for _ in range(2):
                await ws.send(SEED_CHAT)
                await run_to_end(ws)
            await ws.send(SEED_CHAT)
            frame = await recv(ws)
    assert frame["code"] == "rate_limited"
    assert frame["recoverable"] is True
    assert "retry after" in frame["details"]


async def test_ws_repeated_abuse_closes_1008(offline_server: LiveServer) -> None:
    async with connect(offline_server.ws) as ws:
        await recv(ws)
        for _ in range(25):
            await ws.send("garbage")
        with pytest.raises(ConnectionClosed):
            while True:
                await recv(ws)
    assert ws.close_code == 1008


@pytest.mark.parametrize(
    "after_seq", ["-4", "x", str(2**31), str(2**63), str(2**64), "9" * 5000, "١٢"]
)
async def test_ws_bad_after_seq_is_refused(offline_server: LiveServer, after_seq: str) -> None:
    async with connect(f"{offline_server.ws}?run_id=x&after_seq={after_seq}") as ws:
        frame = await recv(ws)
        with pytest.raises(ConnectionClosed):
            await recv(ws)
    assert frame["code"] == "bad_request"
    assert "0 to 2147483647" in frame["message"]
    assert ws.close_code == 1008


async def test_ws_largest_after_seq_resyncs(offline_server: LiveServer) -> None:
    frames = await ask(offline_server.ws)
    run_id = frames[0]["run_id"]
    async with connect(f"{offline_server.ws}?run_id={run_id}&after_seq={2**31 - 1}") as ws:
        await recv(ws)  # connected
        assert (await recv(ws))["status"] == "resync"
        replayed = await run_to_end(ws)
    assert len(replayed) == len(frames)
