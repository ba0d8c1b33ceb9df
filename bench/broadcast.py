"""The baseline: a bare FastAPI WebSocket broadcast of a fixed list of frame texts.

Each socket gets an unbounded queue and a writer task; a `go` from any socket puts every frame
into every queue. No validation, storage, sequencing or replay: what the transport alone costs.
`paced` yields to the event loop after each frame, the way a run hands out its frames one by
one, so each writer wakes once per frame instead of draining a full queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

HELLO = "hello"
GO = "go"


def create_broadcast_app(frames: Sequence[str], *, paced: bool = False) -> FastAPI:
    app = FastAPI()
    queues: set[asyncio.Queue[str]] = set()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.websocket("/ws")
    async def stream(ws: WebSocket) -> None:
        await ws.accept()
        queue: asyncio.Queue[str] = asyncio.Queue()
        queue.put_nowait(HELLO)
        queues.add(queue)
        writer = asyncio.create_task(_write(ws, queue))
        try:
            while True:
                if await ws.receive_text() == GO:
                    for text in frames:
                        for q in queues:
                            q.put_nowait(text)
                        if paced:
                            await asyncio.sleep(0)
        except WebSocketDisconnect:
            pass
        finally:
            queues.discard(queue)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    return app


async def _write(ws: WebSocket, queue: asyncio.Queue[str]) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await ws.send_text(await queue.get())


def idle_app() -> FastAPI:
    """The same bare app with nothing to broadcast, for `uvicorn --factory` (memory baseline)."""
    return create_broadcast_app(())
