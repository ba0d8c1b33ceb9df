"""Runs belong to the server: cancel, resume after a drop, fan-out, one run per conversation."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import socket
import time

import httpx
import pytest

from tests.runtime.client import (
    SEED_CHAT,
    ask,
    connect,
    is_final,
    recv,
    recv_until,
    run_frames,
    run_to_end,
    without_replay_flag,
)
from tests.runtime.invariants import check_run
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import LiveServer


def events(server: LiveServer, run_id: str, after_seq: int = 0) -> list[dict[str, object]]:
    response = httpx.get(f"{server.http}/api/v1/runs/{run_id}/events?after_seq={after_seq}")
    response.raise_for_status()
    body: list[dict[str, object]] = response.json()["events"]
    return body


@pytest.fixture
def slow_tool(scripted: ScriptedEngine) -> ScriptedEngine:
    scripted.tool_wait_s = 30.0
    return scripted


async def test_cancel_stops_run_with_tool_in_flight(
    slow_tool: ScriptedEngine, scripted_server: LiveServer
) -> None:
    async with connect(scripted_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        frames = await recv_until(ws, lambda f: f["type"] == "tool_call")
        await ws.send('{"type": "cancel", "payload": {}}')
        sent = time.monotonic()
        frames += await run_to_end(ws, timeout=5)
        elapsed = time.monotonic() - sent
    # The tool would wait 30 s: ending at once proves the in-flight call was cancelled.
    # (Cancel latency itself is measured by `make bench`, not asserted here.)
    assert elapsed < 10
    check_run(frames, expect="cancelled")
    assert slow_tool.cancelled_tools == ["c1"]
    run_id = frames[0]["run_id"]
    detail = httpx.get(f"{scripted_server.http}/api/v1/runs/{run_id}").json()
    assert detail["status"] == "cancelled"
    assert events(scripted_server, run_id) == frames


async def test_cancel_by_run_id_is_idempotent(
    slow_tool: ScriptedEngine, scripted_server: LiveServer
) -> None:
    async with connect(scripted_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        frames = await recv_until(ws, lambda f: f["type"] == "tool_call")
        cancel = json.dumps({"type": "cancel", "payload": {"run_id": frames[0]["run_id"]}})
        await ws.send(cancel)
        await ws.send(cancel)
        frames += await run_to_end(ws, timeout=5)
        await ws.send(cancel)  # after the end: still no error
        await ws.send('{"type": "ping", "payload": {}}')
        after = await recv(ws)
    check_run(frames, expect="cancelled")
    assert after["type"] == "pong"


async def test_cancel_unknown_run_is_not_found(scripted_server: LiveServer) -> None:
    async with connect(scripted_server.ws) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "cancel", "payload": {"run_id": "nope"}}))
        frame = await recv(ws)
    assert frame["type"] == "error"
    assert frame["code"] == "not_found"
    assert frame["recoverable"] is True


async def test_resume_after_disconnect_replays_exactly_the_missed_frames(
    scripted: ScriptedEngine, scripted_server: LiveServer
) -> None:
    scripted.steps = 8
    scripted.pause_s = 0.03
    cut_after = random.Random(20261123).randint(3, 30)
    async with connect(scripted_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        seen = [await recv(ws) for _ in range(cut_after)]
    run_id = seen[0]["run_id"]
    last_seq = seen[-1]["seq"]
    await asyncio.sleep(0.1)  # the run goes on without any socket
    url = f"{scripted_server.ws}?run_id={run_id}&after_seq={last_seq}"
    async with connect(url) as ws:
        hello = await recv(ws)
        assert hello["status"] == "connected"
        assert hello["active_run"]["run_id"] == run_id
        rest = await run_to_end(ws)
    joined = seen + rest
    check_run(joined, expect="completed")
    assert without_replay_flag(joined) == without_replay_flag(events(scripted_server, run_id))
    replayed = [f for f in rest if f["replay"]]
    assert replayed and replayed[0]["seq"] == last_seq + 1


async def test_resume_at_the_last_seq_of_a_running_run_repeats_nothing(
    scripted: ScriptedEngine, scripted_server: LiveServer
) -> None:
    # Regression: a resume that had nothing to replay left the socket's cursor at 0, so the
    # run's next live frame "filled the gap" with the whole run again.
    scripted.tool_wait_s = 1.0  # the run rests at its first tool call
    async with connect(scripted_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        head = await recv_until(ws, lambda f: f["type"] == "tool_call")
    run_id, last_seq = head[0]["run_id"], head[-1]["seq"]
    async with connect(f"{scripted_server.ws}?run_id={run_id}&after_seq={last_seq}") as ws:
        hello = await recv(ws)
        assert hello["active_run"]["last_seq"] == last_seq  # nothing to replay
        rest = await run_to_end(ws)
    assert [f["seq"] for f in rest] == list(range(last_seq + 1, last_seq + 1 + len(rest)))
    check_run(head + rest, expect="completed")


async def test_resume_of_finished_run_replays_to_its_terminal_status(
    offline_server: LiveServer,
) -> None:
    frames = await ask(offline_server.ws)
    run_id = frames[0]["run_id"]
    async with connect(f"{offline_server.ws}?run_id={run_id}&after_seq=2") as ws:
        await recv(ws)
        rest = await run_to_end(ws)
    assert [f["seq"] for f in rest] == list(range(3, len(frames) + 1))
    assert all(f["replay"] for f in rest)
    assert without_replay_flag(rest) == without_replay_flag(frames[2:])


async def test_resume_beyond_the_log_sends_resync_then_the_whole_run(
    offline_server: LiveServer,
) -> None:
    frames = await ask(offline_server.ws)
    run_id = frames[0]["run_id"]
    async with connect(f"{offline_server.ws}?run_id={run_id}&after_seq=9999") as ws:
        await recv(ws)
        resync = await recv(ws)
        rest = await run_to_end(ws)
    assert resync["status"] == "resync"
    assert without_replay_flag(rest) == without_replay_flag(frames)


async def test_two_subscribers_see_identical_streams(
    scripted: ScriptedEngine, scripted_server: LiveServer
) -> None:
    scripted.steps = 6
    async with connect(scripted_server.ws) as first:
        await recv(first)
        await first.send(SEED_CHAT)
        head = await recv_until(first, lambda f: f["type"] == "progress")
        conversation_id = head[0]["conversation_id"]
        async with connect(f"{scripted_server.ws}?conversation_id={conversation_id}") as second:
            hello = await recv(second)
            assert hello["active_run"]["run_id"] == head[0]["run_id"]
            a = head + await run_to_end(first)
            b = await run_to_end(second)
    check_run(a, expect="completed")
    assert without_replay_flag(a) == without_replay_flag(b)


async def test_second_chat_in_a_conversation_gets_run_active(
    slow_tool: ScriptedEngine, scripted_server: LiveServer
) -> None:
    async with connect(scripted_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        head = await recv_until(ws, lambda f: f["type"] == "tool_call")
        second = {
            "type": "chat",
            "payload": {"message": "again", "conversation_id": head[0]["conversation_id"]},
        }
        await ws.send(json.dumps(second))
        error = await recv(ws)
        assert error["type"] == "error"
        assert error["code"] == "run_active"
        assert error["recoverable"] is True
        await ws.send('{"type": "cancel", "payload": {}}')
        tail = await run_to_end(ws)
    check_run(head + tail, expect="cancelled")


async def test_resent_chat_with_same_client_msg_id_returns_the_same_run(
    offline_server: LiveServer,
) -> None:
    chat = json.dumps(
        {"type": "chat", "payload": {"message": "price of ETH", "client_msg_id": "m-1"}}
    )
    async with connect(offline_server.ws) as ws:
        await recv(ws)
        await ws.send(chat)
        first = await run_to_end(ws)
        await ws.send(chat)
        again = await run_to_end(ws)
    assert again[0]["run_id"] == first[0]["run_id"]
    assert without_replay_flag(again) == without_replay_flag(first)
    page = httpx.get(f"{offline_server.http}/api/v1/conversations").json()
    assert page["total"] == 1


async def test_run_survives_its_socket(
    scripted: ScriptedEngine, scripted_server: LiveServer
) -> None:
    scripted.steps = 3
    async with connect(scripted_server.ws) as ws:
        await recv(ws)
        await ws.send(SEED_CHAT)
        head = await recv_until(ws, lambda f: f["type"] == "progress")
    run_id = head[0]["run_id"]
    deadline = time.monotonic() + 10
    while httpx.get(f"{scripted_server.http}/api/v1/runs/{run_id}").json()["status"] != "completed":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    stored = events(scripted_server, run_id)
    check_run(stored, expect="completed")


def stalled_websocket(port: int) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def send_masked_text(sock: socket.socket, text: str) -> None:
    data = text.encode()
    mask = os.urandom(4)
    assert len(data) < 126
    sock.sendall(
        bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    )


def read_until_close(sock: socket.socket) -> tuple[list[dict[str, object]], int]:
    """Reads the server's frames (unmasked) up to its close frame; returns them and the code."""
    sock.settimeout(10)
    buf = bytearray()

    def need(n: int) -> bytes:
        while len(buf) < n:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise EOFError
            buf.extend(chunk)
        out = bytes(buf[:n])
        del buf[:n]
        return out

    frames: list[dict[str, object]] = []
    while True:
        b0, b1 = need(2)
        length = b1 & 0x7F
        if length == 126:
            length = int.from_bytes(need(2), "big")
        elif length == 127:
            length = int.from_bytes(need(8), "big")
        payload = need(length)
        opcode = b0 & 0x0F
        if opcode == 0x8:
            return frames, int.from_bytes(payload[:2], "big")
        if opcode == 0x1:
            frames.append(json.loads(payload))


async def test_slow_subscriber_is_closed_4008_and_resumes(
    replay_settings: object, scripted: ScriptedEngine
) -> None:
    from cryptodesk.app import create_app
    from cryptodesk.config import Settings
    from tests.runtime.server import running

    assert isinstance(replay_settings, Settings)
    settings = replay_settings.model_copy(update={"subscriber_queue_size": 10})
    # A commit every step: many more than 10 batches once the socket buffers are full. The log
    # commits whatever queued while the previous commit was stored, so the pause between steps
    # outlasts a commit (with 0.01 s, steps merged into about 20 commits and none was refused).
    scripted.steps = 40
    scripted.pause_s = 0.05
    scripted.deltas_per_step = 6
    scripted.delta_bytes = 60_000  # about 14 MB in all: more than the socket buffers hold
    with running(create_app(settings, engine_for=lambda _c: scripted)) as server:
        sock = stalled_websocket(server.port)
        send_masked_text(sock, SEED_CHAT)
        # the run is never slowed down: it finishes while this client reads nothing
        deadline = time.monotonic() + 20
        while True:
            page = httpx.get(f"{server.http}/api/v1/conversations").json()
            if page["items"]:
                detail = httpx.get(
                    f"{server.http}/api/v1/conversations/{page['items'][0]['id']}"
                ).json()
                if detail["runs"] and detail["runs"][0]["status"] == "completed":
                    run = detail["runs"][0]
                    break
            assert time.monotonic() < deadline, "the run was held up by a slow subscriber"
            await asyncio.sleep(0.05)
        received, code = await asyncio.to_thread(read_until_close, sock)
        sock.close()
        assert code == 4008
        run_id = run["id"]
        mine = [f for f in received if f.get("run_id") == run_id]
        assert 0 < len(mine) < run["last_seq"]
        last = mine[-1]["seq"]
        async with connect(f"{server.ws}?run_id={run_id}&after_seq={last}", max_size=2**22) as ws:
            await recv(ws)
            rest = await run_to_end(ws)
        joined = mine + rest
        check_run(joined, expect="completed")
        assert len(joined) == run["last_seq"]


async def test_smallest_queue_never_closes_a_reading_client(
    replay_settings: object, scripted: ScriptedEngine
) -> None:
    # A commit publishes tens of frames at once; the queue counts commits, not frames.
    from cryptodesk.app import create_app
    from cryptodesk.config import Settings
    from tests.runtime.server import running

    assert isinstance(replay_settings, Settings)
    smallest = Settings.model_fields["subscriber_queue_size"].metadata[0].ge
    settings = replay_settings.model_copy(update={"subscriber_queue_size": smallest})
    scripted.steps, scripted.pause_s = 10, 0.0
    scripted.deltas_per_step, scripted.delta_bytes = 15, 100  # about 200 frames, in bursts
    with running(create_app(settings, engine_for=lambda _c: scripted)) as server:
        async with connect(server.ws) as asker:
            await recv(asker)
            await asker.send(SEED_CHAT)
            head = await recv(asker)
            conversation = head["conversation_id"]
            async with connect(f"{server.ws}?conversation_id={conversation}") as follower:
                frames = [head, *await run_to_end(asker)]
                followed = await run_to_end(follower)
    check_run(frames, expect="completed")
    assert len(frames) > 200
    assert without_replay_flag(followed)[-1] == without_replay_flag(frames)[-1]
    assert asker.close_code != 4008 and follower.close_code != 4008


async def test_keepalive_ping_after_client_silence(
    replay_settings: object, scripted: ScriptedEngine
) -> None:
    from cryptodesk.app import create_app
    from cryptodesk.config import Settings
    from tests.runtime.server import running

    assert isinstance(replay_settings, Settings)
    settings = replay_settings.model_copy(update={"client_idle_ping_s": 0.3})
    with running(create_app(settings)) as server:
        async with connect(server.ws) as ws:
            await recv(ws)
            frame = await recv(ws, timeout=5)
    assert set(frame) == {"type", "timestamp", "v"}
    assert frame["type"] == "ping"


async def test_run_frames_reach_only_their_conversation(
    scripted: ScriptedEngine, scripted_server: LiveServer
) -> None:
    scripted.steps = 2
    async with connect(scripted_server.ws) as a, connect(scripted_server.ws) as b:
        await recv(a)
        await recv(b)
        await a.send(SEED_CHAT)
        frames = await run_to_end(a)
        await b.send('{"type": "ping", "payload": {}}')
        first_for_b = await recv(b)
    assert first_for_b["type"] == "pong"
    assert run_frames(frames, frames[0]["run_id"]) == frames
    assert is_final(frames[-1])
