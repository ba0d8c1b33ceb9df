"""deploy/Caddyfile, run by a real Caddy in front of two real replicas on one PostgreSQL:
WebSockets pass, round-robin without sticky sessions, the body limit, a replica down.

Debian's caddy package (.ci/run installs it); the compose stack uses the official caddy:2
image with the same file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.deploy.servers import TOKEN, ServeProcess, serve_env, stop
from tests.runtime.client import chat, recv, run_to_end
from tests.runtime.invariants import check_run
from tests.runtime.server import REPO, free_port

CADDY = shutil.which("caddy")
if CADDY is None:
    pytest.skip(
        "proxy tests need Debian's caddy (apt-get install caddy; .ci/run installs it)",
        allow_module_level=True,
    )

BEARER = {"Authorization": f"Bearer {TOKEN}"}
pytestmark = pytest.mark.timeout(300)


@dataclass
class Stack:
    proxy: str
    replicas: list[ServeProcess]

    @property
    def ws(self) -> str:
        return self.proxy.replace("http", "ws", 1) + "/ws/stream"


@contextmanager
def _stack(database: str, tmp_path: Path) -> Iterator[Stack]:
    replicas = [
        ServeProcess(
            tmp_path,
            serve_env(
                tmp_path / f"replica{i}",
                database,
                CRYPTODESK_HOST="0.0.0.0",  # as in the image: off loopback, so a token
                CRYPTODESK_ACCESS_TOKEN=TOKEN,
            ),
        )
        for i in range(2)
    ]
    caddy: subprocess.Popen[bytes] | None = None
    try:
        for replica in replicas:
            replica.wait_healthy()
        # As compose starts it: once the replicas are healthy (depends_on service_healthy).
        port = free_port()
        log = tmp_path / "caddy.log"
        caddy = _start_caddy(port, replicas, tmp_path / "caddy", log)
        proxy = f"http://127.0.0.1:{port}"
        _wait_for_proxy(proxy, caddy, log)
        yield Stack(proxy, replicas)
    finally:
        if caddy is not None:
            stop(caddy)
        for replica in replicas:
            replica.stop()


@pytest.fixture(scope="module")
def stack(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Two replicas behind Caddy, shared by the tests that leave them as they found them."""
    with _stack(module_database, tmp_path_factory.mktemp("stack")) as shared:
        yield shared


@pytest.fixture
def own_stack(fresh_database: str, tmp_path: Path) -> Iterator[Stack]:
    with _stack(fresh_database, tmp_path) as stack:
        yield stack


def _start_caddy(
    port: int, replicas: list[ServeProcess], home: Path, log: Path
) -> subprocess.Popen[bytes]:
    assert CADDY is not None
    home.mkdir()
    with log.open("wb") as out:
        return subprocess.Popen(
            [CADDY, "run", "--adapter", "caddyfile", "--config", str(REPO / "deploy/Caddyfile")],
            env={
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(home),
                "XDG_DATA_HOME": str(home),
                "XDG_CONFIG_HOME": str(home),
                "CRYPTODESK_SITE": f":{port}",
                "CRYPTODESK_UPSTREAMS": " ".join(f"127.0.0.1:{r.port}" for r in replicas),
                "CRYPTODESK_PROXY_ADMIN": "off",
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_for_proxy(proxy: str, caddy: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert caddy.poll() is None, log.read_text(errors="replace")
        try:
            if httpx.get(f"{proxy}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"caddy did not answer:\n{log.read_text(errors='replace')}")


def _sockets_on(replica: ServeProcess) -> int:
    status = httpx.get(f"{replica.http}/ws/status", headers=BEARER).json()
    return int(status["active_connections"])


async def test_proxy_spreads_websockets_round_robin(stack: Stack) -> None:
    before = [_sockets_on(r) for r in stack.replicas]
    async with (
        connect(stack.ws, additional_headers=BEARER) as first,
        connect(stack.ws, additional_headers=BEARER) as second,
    ):
        for ws in (first, second):
            hello = await recv(ws)
            assert (hello["type"], hello["status"]) == ("status", "connected")
        after = [_sockets_on(r) for r in stack.replicas]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1]


async def test_proxy_keeps_an_idle_websocket_and_streams_a_run(stack: Stack) -> None:
    async with connect(stack.ws, additional_headers=BEARER) as ws:
        await recv(ws)
        await asyncio.sleep(12)  # longer than the proxy's only deadline (request head, 10 s)
        await ws.send(chat("Analyze ETH on the 4h chart with RSI and MACD"))
        frames = await run_to_end(ws, timeout=120)
    check_run(frames, expect="completed")
    run_id = frames[0]["run_id"]
    # Any replica serves the stored log: the one the proxy picks now, and each directly.
    stored = httpx.get(f"{stack.proxy}/api/v1/runs/{run_id}/events", headers=BEARER)
    assert stored.json()["events"] == frames
    for replica in stack.replicas:
        direct = httpx.get(f"{replica.http}/api/v1/runs/{run_id}/events", headers=BEARER)
        assert direct.json()["events"] == frames


def test_proxy_refuses_bodies_over_its_limit(stack: Stack) -> None:
    url = f"{stack.proxy}/api/v1/settings"
    headers = {**BEARER, "Content-Type": "application/json"}
    # Over the proxy's 1 MB, under what CryptoDesk itself accepts: only the proxy refuses it,
    # with 413 from Caddy 2.7 on (the caddy:2 image), 502 in 2.6 (Debian bookworm's;
    # caddyserver/caddy#5652).
    over = httpx.put(url, headers=headers, content=b"x" * 1_020_000)
    assert over.status_code in (413, 502)
    under = httpx.put(url, headers=headers, content=b"x" * 900_000)
    assert under.status_code == 422  # reached CryptoDesk, which explains the refusal


def test_proxy_sends_everything_to_the_other_replica_while_one_is_down(own_stack: Stack) -> None:
    own_stack.replicas[0].stop()
    answers = [
        httpx.get(f"{own_stack.proxy}/api/v1/health/ready", headers=BEARER, timeout=30).status_code
        for _ in range(6)
    ]
    assert answers == [200] * 6


def test_proxy_replaces_a_forwarded_for_that_a_client_forged(stack: Stack) -> None:
    # The replicas trust the proxy's X-Forwarded-For (the login rate limit keys on it), so the
    # proxy must not pass on one a client made up.
    forged = {"X-Forwarded-For": "203.0.113.7"}
    assert httpx.get(f"{stack.proxy}/api/v1/health?probe=xff", headers=forged).status_code == 200
    lines = [line for r in stack.replicas for line in r.output.splitlines() if "probe=xff" in line]
    assert len(lines) == 1 and "127.0.0.1:" in lines[0] and "203.0.113.7" not in lines[0]
