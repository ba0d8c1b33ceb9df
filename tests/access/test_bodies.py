"""Request bodies are bounded before they are read: a declared length over the limit is 413 at
once; a streamed 200 MB body is 413 as soon as it passes the limit, and the server's memory
does not grow with it (measured on a `cryptodesk serve` process with psutil)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from cryptodesk.access.bodies import DEFAULT_LIMIT, LOGIN_LIMIT
from tests.access.tokens import TOKEN, bearer
from tests.runtime.server import LiveServer, free_port
from tests.shared import shared_market_path

BODY_BYTES = 200 * 1024 * 1024
CHUNK = b"x" * (16 * 1024)
MAX_GROWTH = 16 * 1024 * 1024


class ServeProcess:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.http = f"http://127.0.0.1:{port}"

    @property
    def rss(self) -> int:
        return int(psutil.Process(self.process.pid).memory_info().rss)

    @contextmanager
    def peak_rss(self) -> Iterator[list[int]]:
        """Samples the server's RSS while the block runs; the list ends up holding the peak
        (memory freed after a request would hide what reading it took)."""
        peak = [self.rss]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], self.rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield peak
        finally:
            done.set()
            sampler.join()
            peak[0] = max(peak[0], self.rss)


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[ServeProcess]:
    """`cryptodesk serve` in its own process, with an access token (so /login reads bodies)."""
    port = free_port()
    env = {
        **os.environ,
        "CRYPTODESK_DATA_DIR": str(tmp_path / "data"),
        "CRYPTODESK_ACCESS_TOKEN": TOKEN,
        "CRYPTODESK_MARKET_DATA": "replay",
        "CRYPTODESK_REPLAY_DIR": str(shared_market_path() / "binance_spot_1h"),
        "CRYPTODESK_ENGINE": "offline",
        "CRYPTODESK_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cryptodesk", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = ServeProcess(process, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "cryptodesk serve exited"
            try:
                if httpx.get(f"{server.http}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "cryptodesk serve did not start"
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def stream_chunked(port: int, head: bytes, total: int) -> tuple[bytes, int]:
    """Sends a chunked body of up to `total` bytes, reading the answer as soon as one comes;
    returns the answer and how many body bytes went out before it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    answer = b""
    sent = 0
    try:
        sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
        sock.settimeout(30)
        while chunk := sock.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass  # the server closed the connection after answering
    finally:
        sock.close()
    return answer, sent


def test_bodies_streamed_200_mb_login_is_413_and_memory_stays_flat(
    serve_process: ServeProcess,
) -> None:
    head = (
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
    )
    stream_chunked(serve_process.port, head, 64 * 1024)  # warm the code path up
    before = serve_process.rss
    with serve_process.peak_rss() as peak:
        answer, sent = stream_chunked(serve_process.port, head, BODY_BYTES)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"larger than 8192 bytes" in answer
    assert sent < BODY_BYTES  # refused while the body was still coming
    growth = peak[0] - before
    assert growth < MAX_GROWTH, f"RSS grew {growth / 2**20:.1f} MiB"


def test_bodies_streamed_api_body_is_413_past_the_default_limit(
    serve_process: ServeProcess,
) -> None:
    head = (
        b"PUT /api/v1/settings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Type: application/json\r\n"
    )
    answer, sent = stream_chunked(serve_process.port, head, 16 * DEFAULT_LIMIT)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert DEFAULT_LIMIT <= sent < 16 * DEFAULT_LIMIT
    # The server is still there for the next request.
    settings = httpx.get(f"{serve_process.http}/api/v1/settings", headers=bearer())
    assert settings.status_code == 200


def test_bodies_declared_length_over_the_limit_is_413_before_reading(
    guarded: LiveServer,
) -> None:
    sock = socket.create_connection(("127.0.0.1", guarded.port), timeout=30)
    with sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(BODY_BYTES).encode() + b"\r\n\r\n"
        )
        answer = sock.recv(65536)  # no body byte was sent: the answer comes anyway
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    small = httpx.post(f"{guarded.http}/login", data={"token": "x" * (LOGIN_LIMIT - 100)})
    assert small.status_code == 401  # under the limit: read and compared
