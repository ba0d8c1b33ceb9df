"""Connections that never become a proper request: an over-long WebSocket handshake gets an
answer, a request sent too slowly (slowloris) is closed. Raw sockets against a real server."""

from __future__ import annotations

import asyncio
import base64
import os
import socket

import pytest

from cryptodesk.transport import REQUEST_TIMEOUT_S
from tests.runtime.server import LiveServer

ANSWER_WITHIN_S = 10.0  # generous: a busy machine, not a timing assertion
SLOW_CLIENTS = 20


def handshake(path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def first_answer(port: int, request: bytes) -> bytes:
    """What the server sends back before it closes (b"" when it only closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_WITHIN_S) as sock:
        sock.sendall(request)
        received = b""
        while True:
            chunk = sock.recv(65536)  # socket.timeout fails the test: no answer, no close
            if not chunk:
                return received
            received += chunk


@pytest.mark.parametrize("url_bytes", [9 * 1024, 100 * 1024])
async def test_transport_overlong_websocket_handshake_is_answered(
    offline_server: LiveServer, url_bytes: int
) -> None:
    path = "/ws/stream?conversation_id=" + "a" * url_bytes
    answer = await asyncio.to_thread(first_answer, offline_server.port, handshake(path))
    assert answer.startswith((b"HTTP/1.1 414 ", b"HTTP/1.1 400 ")), answer[:80]


async def test_transport_websocket_handshake_of_normal_length_still_works(
    offline_server: LiveServer,
) -> None:
    path = "/ws/stream?conversation_id=" + "a" * 4000
    answer = await asyncio.to_thread(first_answer, offline_server.port, handshake(path))
    assert answer.startswith(b"HTTP/1.1 101 ")  # then 4404: no such conversation


async def trickle(port: int, start: bytes) -> bytes:
    """Sends `start`, then (if it sent anything) one more byte a second, as a slowloris client
    does; returns what the server answered once it closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received = b""
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_S + ANSWER_WITHIN_S):
            if start:
                writer.write(start)
            while True:
                try:
                    chunk = await asyncio.wait_for(reader.read(4096), 1.0)
                except TimeoutError:
                    if start:
                        writer.write(b"a")
                    continue
                if not chunk:
                    return received
                received += chunk
    except ConnectionError:
        return received
    finally:
        writer.close()


async def test_transport_slow_requests_are_closed(offline_server: LiveServer) -> None:
    starts = [
        b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",  # headers never end
        b"GET /api/v1/hea",  # the request line never ends
        b"",  # nothing at all
    ]
    answers = await asyncio.gather(
        *(trickle(offline_server.port, starts[i % len(starts)]) for i in range(SLOW_CLIENTS))
    )
    for i, answer in enumerate(answers):
        if starts[i % len(starts)]:
            assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
        else:
            assert answer == b""
    # The server still serves everyone else.
    quick = await asyncio.to_thread(
        first_answer,
        offline_server.port,
        b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    assert quick.startswith(b"HTTP/1.1 200 ")
