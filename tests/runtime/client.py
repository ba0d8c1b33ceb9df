"""WebSocket client helpers for the runtime tests (the `websockets` library, a real socket)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

Frame = dict[str, Any]
SEED_CHAT = '{"type": "chat", "payload": {"message": "What is the price of Bitcoin?"}}'


async def recv(ws: ClientConnection, timeout: float = 10.0) -> Frame:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    frame: Frame = json.loads(raw)
    return frame


async def recv_until(ws: ClientConnection, predicate: Any, timeout: float = 20.0) -> list[Frame]:
    """Frames up to and including the first one matching `predicate`."""
    frames: list[Frame] = []
    async with asyncio.timeout(timeout):
        while True:
            frame = await recv(ws, timeout)
            frames.append(frame)
            if predicate(frame):
                return frames


def is_final(frame: Frame) -> bool:
    return frame.get("type") == "status" and frame.get("final") is True


async def run_to_end(ws: ClientConnection, timeout: float = 30.0) -> list[Frame]:
    return await recv_until(ws, is_final, timeout)


def chat(message: str, **payload: Any) -> str:
    """A `chat` frame for `message` (with optional payload fields such as `conversation_id`)."""
    return json.dumps({"type": "chat", "payload": {"message": message, **payload}})


async def ask(url: str, frame: str = SEED_CHAT, timeout: float = 30.0) -> list[Frame]:
    """Connects, sends one chat frame, returns the frames up to the run's terminal status."""
    async with connect(url) as ws:
        await recv(ws)  # connected
        await ws.send(frame)
        return await run_to_end(ws, timeout)


def run_frames(frames: list[Frame], run_id: str) -> list[Frame]:
    return [f for f in frames if f.get("run_id") == run_id and f.get("seq") is not None]


def without_replay_flag(frames: list[Frame]) -> list[Frame]:
    return [{k: v for k, v in f.items() if k != "replay"} for f in frames]


__all__ = [
    "SEED_CHAT",
    "ClientConnection",
    "ask",
    "chat",
    "connect",
    "recv",
    "recv_until",
    "run_to_end",
]
