"""A loopback webhook receiver for Apprise's `json://` targets: a real uvicorn server that
records every request and, on demand, fails, hangs, or kills the process that sends to it.

`delivered` counts the requests it answered 2xx; `unique_deliveries` drops repeats of an
idempotency key, as a receiver that deduplicates would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.runtime.server import free_port


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int
    """What the receiver answered (0: it never answered)."""

    @property
    def key(self) -> str | None:
        return self.headers.get("x-idempotency-key")


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self._failures = 0
        self._hang_s = 0.0
        self._hangs = 0
        self._kill_pid: int | None = None
        app = Starlette(routes=[Route("/{rest:path}", self._handle, methods=["POST", "GET"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("receiver did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def fail_next(self, count: int) -> None:
        """The next `count` requests get HTTP 500."""
        with self._lock:
            self._failures = count

    def hang_next(self, count: int, seconds: float) -> None:
        """The next `count` requests get no answer for `seconds` (longer than the sender waits)."""
        with self._lock:
            self._hangs, self._hang_s = count, seconds

    def kill_on_next(self, pid: int) -> None:
        """The next request kills `pid` with SIGKILL, then is answered 200: the receiver took
        it, the sender never learns."""
        with self._lock:
            self._kill_pid = pid

    @property
    def delivered(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def unique_deliveries(self) -> dict[str | None, Received]:
        unique: dict[str | None, Received] = {}
        for received in self.delivered:
            unique.setdefault(received.key, received)
        return unique

    async def _handle(self, request: Request) -> Response:
        body = await request.json() if request.method == "POST" else {}
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            status = 200
            hang = 0.0
            kill = self._kill_pid
            self._kill_pid = None
            if self._failures > 0:
                self._failures -= 1
                status = 500
            elif self._hangs > 0:
                self._hangs -= 1
                hang, status = self._hang_s, 0
            self.received.append(Received(request.url.path, headers, body, status))
        if kill is not None:
            os.kill(kill, signal.SIGKILL)
            await asyncio.sleep(0.2)
        if hang:
            await asyncio.sleep(hang)
            return Response(status_code=504)
        return JSONResponse({"ok": status == 200}, status_code=status)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
