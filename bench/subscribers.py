"""The subscriber side of the fan-out benchmark, run in its own process.

It opens every socket, tells the parent it is ready (so the parent can read the server's CPU
time), triggers the broadcast from one socket and counts what each socket receives until the
run's terminal frame. A socket closed with 4008 (slow consumer) resumes with `after_seq`, as the
protocol asks of every client, and the resume is counted.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Literal
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.broadcast import GO, HELLO
from bench.scripted import MEASURED_QUESTION

Target = Literal["cryptodesk", "bare"]
FINAL_MARK = '"final":true'
CONNECT_CONCURRENCY = 50


@dataclass(frozen=True, slots=True)
class Plan:
    target: Target
    base_url: str
    subscribers: int
    compression: bool
    timeout_s: float = 90.0
    spread: tuple[str, ...] = ()
    """Other servers (replicas) that take turns with `base_url` in taking the sockets."""


@dataclass(slots=True)
class Outcome:
    delivered: int = 0
    per_socket: list[int] = field(default_factory=list)
    seconds: float = 0.0
    first_frame_s: float = 0.0
    resumes: int = 0
    close_codes: list[int] = field(default_factory=list)
    run_id: str | None = None
    frames: list[str] = field(default_factory=list)
    """The texts the first socket received (the bare broadcast replays them)."""


def main(plan: Plan, parent: Connection) -> None:
    """Entry point of the subscriber process."""
    outcome = asyncio.run(asyncio.wait_for(_run(plan, parent), plan.timeout_s))
    parent.send(outcome)


def _dial(
    plan: Plan, path: str, params: dict[str, str] | None = None, base_url: str | None = None
) -> connect:
    query = f"?{urlencode(params)}" if params else ""
    return connect(
        f"{base_url or plan.base_url}{path}{query}",
        compression="deflate" if plan.compression else None,
        max_size=2**24,
        open_timeout=30,
    )


async def _run(plan: Plan, parent: Connection) -> Outcome:
    path = "/ws/stream" if plan.target == "cryptodesk" else "/ws"
    first = await _dial(plan, path)
    await first.recv()  # connected / hello
    params: dict[str, str] = {}
    if plan.target == "cryptodesk":
        params = {"conversation_id": await _create_conversation(first)}
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    servers = (plan.base_url, *plan.spread)

    async def join(i: int) -> ClientConnection:
        async with gate:
            ws = await _dial(plan, path, params, servers[i % len(servers)])
            greeting = await ws.recv()  # the server subscribed it before sending this
            if plan.target == "bare" and greeting != HELLO:
                raise RuntimeError(f"unexpected greeting {greeting!r}")
            return ws

    sockets = [first, *await asyncio.gather(*(join(i) for i in range(1, plan.subscribers)))]
    parent.send("ready")
    parent.recv()  # the parent has read the server's CPU time

    outcome = Outcome()
    started = time.perf_counter()
    first_frames: list[float] = []
    readers = [
        asyncio.create_task(_read(plan, ws, outcome, first_frames, keep=i == 0))
        for i, ws in enumerate(sockets)
    ]
    trigger = json.dumps({"type": "chat", "payload": {"message": MEASURED_QUESTION, **params}})
    await first.send(trigger if plan.target == "cryptodesk" else GO)
    counts = await asyncio.gather(*readers)
    finished = time.perf_counter()
    parent.send("done")
    outcome.per_socket = list(counts)
    outcome.delivered = sum(counts)
    outcome.seconds = finished - started
    outcome.first_frame_s = min(first_frames) - started if first_frames else 0.0
    await asyncio.gather(*(ws.close() for ws in sockets))
    return outcome


async def _create_conversation(ws: ClientConnection) -> str:
    await ws.send(json.dumps({"type": "chat", "payload": {"message": "open a conversation"}}))
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == "status" and frame.get("final") is True:
            return str(frame["conversation_id"])


async def _read(
    plan: Plan, ws: ClientConnection, outcome: Outcome, first_frames: list[float], *, keep: bool
) -> int:
    """Counts this socket's frames up to the terminal one; resumes after a 4008 close."""
    count = 0
    run_id: str | None = None
    resumed: ClientConnection | None = None
    try:
        while True:
            try:
                async for raw in ws:
                    text = raw if isinstance(raw, str) else raw.decode()
                    if count == 0:
                        first_frames.append(time.perf_counter())
                        if plan.target == "cryptodesk":
                            run_id = json.loads(text).get("run_id")
                            outcome.run_id = run_id
                    count += 1  # a run's frames arrive gap-free: count == last seq
                    if keep:
                        outcome.frames.append(text)
                    if FINAL_MARK in text:
                        return count
                raise RuntimeError("socket closed before the terminal frame")
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else 1006
                outcome.close_codes.append(code)
                if code != 4008 or run_id is None:
                    raise
                outcome.resumes += 1
                params = {"run_id": run_id, "after_seq": str(count)}
                ws = resumed = await _dial(plan, "/ws/stream", params)
                await ws.recv()  # connected
    finally:
        if resumed is not None:
            await resumed.close()
