"""A real uvicorn server on a free loopback port, run in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from cryptodesk.serving import UVICORN_OPTIONS

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(
        self, app: FastAPI, port: int | None = None, health_path: str = "/api/v1/health"
    ) -> None:
        self.port = port or free_port()
        self.health_path = health_path
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            **{**UVICORN_OPTIONS, "timeout_graceful_shutdown": 5},
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.app = app

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"{self.ws_base}/ws/stream"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        httpx.get(f"{self.http}{self.health_path}", timeout=5).raise_for_status()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@contextmanager
def running(app: FastAPI, health_path: str = "/api/v1/health") -> Iterator[LiveServer]:
    server = LiveServer(app, health_path=health_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
