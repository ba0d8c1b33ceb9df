"""Server memory: RSS of `cryptodesk serve` after start-up and per idle WebSocket connection.

The server runs as its own process (demo market, a fresh data directory); this process opens
the sockets and reads the server's RSS. The first batch uses the `websockets` client's defaults,
which, like browsers, negotiate permessage-deflate; the second batch turns compression off, so
the share of the per-connection zlib state is visible. The bare FastAPI app under the same
uvicorn settings is measured the same way, as the floor that uvicorn and websockets set.
Targets: under 200 MB after start-up, under 64 KB per idle connection.

`uv run python -m bench.memory` runs this one alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect

from bench.paths import REPO
from bench.report import Section, make_console, print_section
from bench.server import free_port
from cryptodesk.realtime.protocol import MAX_FRAME_BYTES

CONNECTIONS = 500
TARGET_STARTUP_MB = 200.0
TARGET_PER_CONNECTION_KB = 64.0
SETTLE_S = 1.0
CONNECT_CONCURRENCY = 50
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Server:
    label: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    health_path: str
    ws_path: str


@dataclass(frozen=True, slots=True)
class Readings:
    startup_s: float
    after_start: int
    baseline: int
    with_deflate: int
    with_plain: int
    after_close: int

    def per_connection_kb(self, before: int, after: int) -> float:
        return (after - before) / CONNECTIONS / 1024

    @property
    def deflate_kb(self) -> float:
        return self.per_connection_kb(self.baseline, self.with_deflate)

    @property
    def plain_kb(self) -> float:
        return self.per_connection_kb(self.with_deflate, self.with_plain)


def _cryptodesk(data_dir: Path, port: int) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYPTODESK_")}
    env |= {
        "CRYPTODESK_DATA_DIR": str(data_dir),
        "CRYPTODESK_MARKET_DATA": "demo",
        "CRYPTODESK_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "cryptodesk", "serve", "--port", str(port)]
    # cwd: the data directory, so no stray .env changes the settings under test
    return Server("cryptodesk serve", command, data_dir, env, "/api/v1/health", "/ws/stream")


def _bare(port: int) -> Server:
    # The uvicorn options `cryptodesk serve` uses, on the bare app.
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "bench.broadcast:idle_app"),
        *("--app-dir", str(REPO), "--host", "127.0.0.1", "--port", str(port)),
        *("--ws-max-size", str(MAX_FRAME_BYTES), "--ws-ping-interval", "20"),
        *("--ws-ping-timeout", "20", "--log-level", "warning"),
    ]
    return Server("bare FastAPI app", command, REPO, dict(os.environ), "/health", "/ws")


async def _open(url: str, count: int, compression: bool) -> list[ClientConnection]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one() -> ClientConnection:
        async with gate:
            ws = await connect(url, compression="deflate" if compression else None)
            await asyncio.wait_for(ws.recv(), 10)  # the greeting: the socket is fully set up
            return ws

    return list(await asyncio.gather(*(one() for _ in range(count))))


def _rss(process: psutil.Process) -> int:
    return int(process.memory_info().rss)


async def _read(process: psutil.Process, ws_url: str, startup_s: float) -> Readings:
    after_start = _rss(process)
    # One socket first: what it imports or builds lazily belongs to start-up, not to a socket.
    warm = await _open(ws_url, 1, True)
    await warm[0].close()
    await asyncio.sleep(SETTLE_S)
    baseline = _rss(process)
    deflate = await _open(ws_url, CONNECTIONS, True)
    await asyncio.sleep(SETTLE_S)
    with_deflate = _rss(process)
    plain = await _open(ws_url, CONNECTIONS, False)
    await asyncio.sleep(SETTLE_S)
    with_plain = _rss(process)
    await asyncio.gather(*(ws.close() for ws in deflate + plain))
    await asyncio.sleep(SETTLE_S)
    return Readings(startup_s, after_start, baseline, with_deflate, with_plain, _rss(process))


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> float:
    started = time.perf_counter()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - started
        time.sleep(0.05)
    raise RuntimeError(f"server did not become healthy: {log.read_text()[-2000:]}")


def _measure(server: Server, port: int, log: Path) -> Readings:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            server.command, cwd=server.cwd, env=server.env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"127.0.0.1:{port}"
        startup_s = _wait_healthy(proc, f"http://{base}{server.health_path}", log)
        return asyncio.run(
            _read(psutil.Process(proc.pid), f"ws://{base}{server.ws_path}", startup_s)
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure() -> Section:
    with tempfile.TemporaryDirectory(prefix="cryptodesk-bench-") as tmp:
        port = free_port()
        desk = _measure(_cryptodesk(Path(tmp), port), port, Path(tmp) / "cryptodesk.log")
        port = free_port()
        bare = _measure(_bare(port), port, Path(tmp) / "bare.log")
    return _section(desk, bare)


def _section(desk: Readings, bare: Readings) -> Section:
    section = Section(
        "3. server memory",
        f"3. Server memory: RSS after start-up and with {CONNECTIONS} + {CONNECTIONS} idle "
        "WebSockets",
        (
            "server",
            "start-up s",
            "after start MB",
            "before sockets MB",
            "deflate KB/socket",
            "no-deflate KB/socket",
            "all open MB",
            "all closed MB",
        ),
    )
    for label, r in (("cryptodesk serve (demo)", desk), ("bare FastAPI, same uvicorn", bare)):
        section.row(
            label,
            f"{r.startup_s:.1f}",
            f"{r.after_start / MB:.1f}",
            f"{r.baseline / MB:.1f}",
            f"{r.deflate_kb:.1f}",
            f"{r.plain_kb:.1f}",
            f"{r.with_plain / MB:.1f}",
            f"{r.after_close / MB:.1f}",
        )
    section.notes += [
        "deflate: the websockets client's default offer (browsers make the same one); the "
        "server keeps a zlib compressor and decompressor per socket",
        f"CryptoDesk's own share per idle socket: {desk.deflate_kb - bare.deflate_kb:+.1f} KB "
        f"(deflate), {desk.plain_kb - bare.plain_kb:+.1f} KB (no deflate) over the bare app",
    ]
    section.check(
        f"RSS after start-up < {TARGET_STARTUP_MB:.0f} MB",
        f"{desk.after_start / MB:.1f} MB",
        desk.after_start / MB < TARGET_STARTUP_MB,
    )
    section.check(
        f"RSS per idle socket < {TARGET_PER_CONNECTION_KB:.0f} KB",
        f"{desk.deflate_kb:.1f} KB (no deflate {desk.plain_kb:.1f}; bare app "
        f"{bare.deflate_kb:.1f})",
        desk.deflate_kb < TARGET_PER_CONNECTION_KB,
    )
    return section


if __name__ == "__main__":
    print_section(make_console(), measure())
