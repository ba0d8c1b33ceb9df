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


def run_frames(frames: list[Frame], run_id: str) -> list[Frame]:
    return [f for f in frames if f.get("run_id") == run_id and f.get("seq") is not None]


def without_replay_flag(frames: list[Frame]) -> list[Frame]:
    return [{k: v for k, v in f.items() if k != "replay"} for f in frames]


__all__ = ["SEED_CHAT", "ClientConnection", "connect", "recv", "recv_until", "run_to_end"]
