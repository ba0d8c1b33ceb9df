"""WebSocket clients of the cluster tests: a run started through one socket, and followers that
drop their socket at random moments and resume (`run_id`, `after_seq`) through the proxy."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.runtime.client import Frame, chat, is_final, recv

RUN_FRAME_TYPES = {"status", "error"}


async def start_run(ws: ClientConnection, question: str, **payload: Any) -> Frame:
    """Sends a chat on a connected socket; returns the run's first frame."""
    await ws.send(chat(question, **payload))
    while True:
        frame = await recv(ws, 30)
        if frame.get("seq") is not None:
            return frame
        if frame["type"] == "error":
            raise AssertionError(f"the run did not start: {frame}")


async def frames_until_final(ws: ClientConnection, run_id: str, timeout: float = 60) -> list[Frame]:
    """This run's frames on a socket, up to its terminal status."""
    frames: list[Frame] = []
    async with asyncio.timeout(timeout):
        while True:
            frame = await recv(ws, timeout)
            if frame.get("run_id") == run_id and frame.get("seq") is not None:
                frames.append(frame)
                if is_final(frame):
                    return frames


async def hopping_follower(
    url: str, run_id: str, rng: random.Random, *, timeout: float = 90
) -> tuple[list[Frame], int]:
    """Follows a run, dropping the socket after 2-20 of its frames or 0.1-0.7 s, whichever
    comes first, and resuming after the last frame it got, until the terminal status. Returns
    the frames in arrival order and how many sockets it used."""
    frames: list[Frame] = []
    sockets = 0
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        while True:
            last = frames[-1]["seq"] if frames else 0
            sockets += 1
            # Reading everything as a browser does: with websockets' bounded queue of received
            # frames full, the client stops reading and its close waits for the close timeout.
            resume = f"{url}?run_id={run_id}&after_seq={last}"
            async with connect(resume, max_queue=None) as ws:
                hello = await recv(ws)
                assert (hello["type"], hello["status"]) == ("status", "connected"), hello
                leave_at = loop.time() + rng.uniform(0.1, 0.7)
                leave_after = len(frames) + rng.randint(2, 20)
                while (left := leave_at - loop.time()) > 0 and len(frames) < leave_after:
                    try:
                        frame = await recv(ws, left)
                    except TimeoutError:
                        break
                    if frame.get("run_id") != run_id or frame.get("seq") is None:
                        continue
                    frames.append(frame)
                    if is_final(frame):
                        return frames, sockets


def stored_events(base_url: str, run_id: str) -> list[Frame]:
    answer = httpx.get(f"{base_url}/api/v1/runs/{run_id}/events", timeout=30)
    answer.raise_for_status()
    events: list[Frame] = answer.json()["events"]
    return events


def without_replay(frames: list[Frame]) -> list[Frame]:
    return [{k: v for k, v in f.items() if k != "replay"} for f in frames]
