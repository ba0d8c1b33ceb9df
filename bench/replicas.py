"""Replicas: two `cryptodesk serve` processes on one throwaway PostgreSQL database.

- Fan-out: one run of 2,000 deltas watched by 200 subscribers, every other one connected to the
  replica that does not run it (those get their frames through the doorbell and the log),
  against the bare broadcast of the same frame texts to 200 sockets (the fan-out benchmark's
  baseline, measured again here). Target: at least half the bare broadcast's throughput.
- Latency: a paced run (one delta every 10 ms) watched from both replicas; for each frame the
  time from its stamp (the owner's log stamps it just before its commit) to its arrival.
- Doorbell: 20 concurrent runs, each followed from the other replica: commits per second (the
  notifications a LISTEN connection counts), frames delivered there and their latency; and the
  commits per second 20 writers reach with the fenced insert alone, with and without the
  `pg_notify` in the transaction (its cost, and the capacity behind the design's estimate of
  20 runs x 10 commits/s).
- Cancel sent to the replica that does not run the run, to its terminal status.

`uv run python -m bench.replicas` runs this one alone.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

import asyncpg
import psutil
from tests.deploy.servers import serve_env, stop, wait_healthy
from tests.store.databases import database_in, postgres_cluster
from websockets.asyncio.client import ClientConnection, connect

from bench.broadcast import create_broadcast_app
from bench.fanout import DELTA_BYTES, DELTAS, SUBSCRIBERS, TARGET_RATIO
from bench.paths import REPO
from bench.report import Section, make_console, percentile, print_section
from bench.scripted import paced_question
from bench.server import free_port, running
from bench.subscribers import Outcome, Plan
from bench.subscribers import main as subscribers_main
from cryptodesk.cluster.listener import asyncpg_dsn
from cryptodesk.store.ids import new_id
from cryptodesk.store.runs import RUN_CHANNEL, PendingEvent
from cryptodesk.store.store import Store

LATENCY_FRAMES = 300
LATENCY_PAUSE_S = 0.01
CONCURRENT_RUNS = 20
RUN_FRAMES = 200
RUN_PAUSE_S = 0.01
WRITE_SECONDS = 3.0
COMMITS_TARGET = 200  # the design's 20 runs x 10 commits/s


class ReplicaProcess:
    def __init__(self, workdir: Path, database_url: str) -> None:
        self.port = free_port()
        env = serve_env(workdir / "data", database_url, CRYPTODESK_LOG_LEVEL="WARNING")
        self.log = (workdir / f"replica-{self.port}.log").open("wb")
        args = (str(self.port), str(DELTAS), str(DELTA_BYTES))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.replica_main", *args],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_healthy(self.http, self.proc, workdir / f"replica-{self.port}.log")

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def cpu_s(self) -> float:
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        stop(self.proc)
        self.log.close()


@contextmanager
def _replicas(database_url: str, workdir: Path) -> Iterator[list[ReplicaProcess]]:
    replicas: list[ReplicaProcess] = []
    try:
        for _ in range(2):
            replicas.append(ReplicaProcess(workdir, database_url))
        yield replicas
    finally:
        for replica in replicas:
            replica.stop()


# ----------------------------------------------------------------------------- fan-out


def _watch(plan: Plan, servers: list[ReplicaProcess] | None) -> tuple[Outcome, float]:
    """Runs the subscriber process; its outcome and the servers' CPU seconds (None: this
    process's, where the bare broadcast runs in a thread)."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=subscribers_main, args=(plan, theirs), daemon=True)
    proc.start()
    processes = [psutil.Process(s.proc.pid) for s in servers] if servers else [psutil.Process()]

    def cpu() -> float:
        return sum(float(p.cpu_times().user + p.cpu_times().system) for p in processes)

    try:
        if not ours.poll(plan.timeout_s):
            raise RuntimeError("subscribers did not connect")
        ours.recv()
        before = cpu()
        ours.send("go")
        if not ours.poll(plan.timeout_s):
            raise RuntimeError("subscribers did not finish")
        ours.recv()
        used = cpu() - before
        if not ours.poll(30):
            raise RuntimeError("subscribers sent no outcome")
        outcome: Outcome = ours.recv()
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    return outcome, used


def _fan_out(section: Section, replicas: list[ReplicaProcess]) -> None:
    owner, other = replicas
    plan = Plan("cryptodesk", owner.ws, SUBSCRIBERS, True, spread=(other.ws,))
    desk, desk_cpu = _watch(plan, replicas)
    with running(create_broadcast_app(desk.frames), "/health") as bare_server:
        bare, bare_cpu = _watch(Plan("bare", bare_server.ws_base, SUBSCRIBERS, True), None)
    rows = (
        ("CryptoDesk, 2 replicas", desk, desk_cpu),
        ("bare broadcast, 1 process", bare, bare_cpu),
    )
    for label, outcome, cpu in rows:
        expected = len(outcome.frames)
        complete = sum(1 for n in outcome.per_socket if n == expected)
        section.row(
            label,
            f"{outcome.delivered / outcome.seconds:,.0f} frames/s",
            f"{complete}/{SUBSCRIBERS} sockets complete, {expected} frames each",
            f"{outcome.seconds:.2f} s, server CPU {cpu:.2f} s",
        )
    ratio = (desk.delivered / desk.seconds) / (bare.delivered / bare.seconds)
    section.check(
        f"fan-out over 2 replicas ≥ {TARGET_RATIO:.0%} of bare broadcast",
        f"{ratio:.2f}",
        ratio >= TARGET_RATIO,
    )


# ----------------------------------------------------------------------------- latency


async def _stream(ws: ClientConnection, run_id: str | None, arrivals: list[float]) -> str:
    """Stamp-to-arrival delays of a run's frames on one socket, up to the terminal one."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), 60)
        received = time.time()
        frame = json.loads(raw)
        if frame.get("seq") is None or (run_id is not None and frame["run_id"] != run_id):
            continue
        stamped = datetime.fromisoformat(frame["timestamp"]).timestamp()
        arrivals.append(received - stamped)
        if frame["type"] == "status" and frame.get("final"):
            return str(frame["run_id"])


async def _conversation(owner: ReplicaProcess) -> tuple[ClientConnection, str]:
    ws = await connect(f"{owner.ws}/ws/stream", max_queue=None)
    await ws.recv()
    await ws.send(json.dumps({"type": "chat", "payload": {"message": paced_question(0, 0)}}))
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("final"):
            return ws, str(frame["conversation_id"])


async def _followed_run(
    owner: ReplicaProcess, other: ReplicaProcess, question: str
) -> tuple[list[float], list[float]]:
    """One run on `owner`, followed there and on `other`: the delays seen on each."""
    here, conversation_id = await _conversation(owner)
    there = await connect(f"{other.ws}/ws/stream?conversation_id={conversation_id}", max_queue=None)
    await there.recv()
    local: list[float] = []
    remote: list[float] = []
    chat = {"message": question, "conversation_id": conversation_id}
    await here.send(json.dumps({"type": "chat", "payload": chat}))
    await asyncio.gather(_stream(here, None, local), _stream(there, None, remote))
    await here.close()
    await there.close()
    return local, remote


def _latency_row(section: Section, label: str, delays: list[float]) -> None:
    ms = [d * 1000 for d in delays]
    section.row(
        label,
        f"p50 {percentile(ms, 50):.1f} ms",
        f"p99 {percentile(ms, 99):.1f} ms",
        f"{len(ms)} frames",
    )


async def _latency(section: Section, replicas: list[ReplicaProcess]) -> None:
    owner, other = replicas
    local, remote = await _followed_run(
        owner, other, paced_question(LATENCY_FRAMES, LATENCY_PAUSE_S)
    )
    _latency_row(section, "latency, owner's replica (baseline)", local)
    _latency_row(section, "latency, the other replica", remote)


# ----------------------------------------------------------------------------- doorbell


async def _concurrent_runs(
    section: Section, replicas: list[ReplicaProcess], database_url: str
) -> None:
    owner, other = replicas
    listener = await asyncpg.connect(asyncpg_dsn(database_url))
    rang: list[float] = []
    await listener.add_listener(RUN_CHANNEL, lambda *_args: rang.append(time.perf_counter()))
    started = time.perf_counter()
    question = paced_question(RUN_FRAMES, RUN_PAUSE_S)
    results = await asyncio.gather(
        *(_followed_run(owner, other, question) for _ in range(CONCURRENT_RUNS))
    )
    took = time.perf_counter() - started
    await listener.close()
    local = [d for seen, _ in results for d in seen]
    remote = [d for _, seen in results for d in seen]
    complete = sum(1 for _, seen in results if len(seen) == RUN_FRAMES + 4)
    commits = [t for t in rang if t >= started]
    window = (max(commits) - min(commits)) if len(commits) > 1 else took
    section.row(
        f"{CONCURRENT_RUNS} concurrent runs: doorbell",
        f"{len(commits) / window:,.0f} commits/s rung",
        f"{complete}/{CONCURRENT_RUNS} runs complete on the other replica",
        f"{len(remote)} frames there in {took:.1f} s",
    )
    _latency_row(section, f"{CONCURRENT_RUNS} runs: latency, owner's replica (baseline)", local)
    _latency_row(section, f"{CONCURRENT_RUNS} runs: latency, the other replica", remote)


async def _write(database_url: str, notify: bool, writers: int, seconds: float) -> int:
    """Commits of `writers` runs appending one fenced frame per transaction for `seconds`."""
    store = await Store.open(database_url)
    store.runs._notify = notify  # the same repository, with or without its doorbell
    runs = [
        await store.runs.begin(new_id(), None, "bench", "bench", None, owner="bench")
        for _ in range(writers)
    ]
    commits = 0
    deadline = time.perf_counter() + seconds

    async def write(run_id: str) -> None:
        nonlocal commits
        seq = 0
        while time.perf_counter() < deadline:
            seq += 1
            await store.runs.append_events(run_id, [PendingEvent(seq, "progress", "{}")], epoch=1)
            commits += 1

    await asyncio.gather(*(write(run.id) for run in runs))
    await store.close()
    return commits


def _writer_process(database_url: str, notify: bool, writers: int, result: Connection) -> None:
    result.send(asyncio.run(_write(database_url, notify, writers, WRITE_SECONDS)))


def _writers(database_url: str, notify: bool) -> float:
    """Commits per second of 20 writers in two processes (as two replicas would hold them)."""
    ctx = multiprocessing.get_context("spawn")
    pipes = [ctx.Pipe() for _ in range(2)]
    procs = [
        ctx.Process(
            target=_writer_process, args=(database_url, notify, CONCURRENT_RUNS // 2, theirs)
        )
        for _, theirs in pipes
    ]
    for proc in procs:
        proc.start()
    commits = sum(int(ours.recv()) for ours, _ in pipes)
    for proc in procs:
        proc.join(30)
    return commits / WRITE_SECONDS


async def _doorbell(section: Section, replicas: list[ReplicaProcess], database_url: str) -> None:
    await _concurrent_runs(section, replicas, database_url)
    plain = _writers(database_url, notify=False)
    rung = _writers(database_url, notify=True)
    section.row(
        f"{CONCURRENT_RUNS} writers in 2 processes, fenced insert per transaction",
        f"{rung:,.0f} commits/s with pg_notify",
        f"{plain:,.0f} commits/s without (baseline)",
        f"notify costs {max(0.0, 1 - rung / plain):.0%}",
    )
    section.check(
        f"doorbell ≥ {COMMITS_TARGET} commits/s ({CONCURRENT_RUNS} writers)",
        f"{rung:,.0f} commits/s",
        rung >= COMMITS_TARGET,
    )


# ----------------------------------------------------------------------------- cancel


async def _cancel(section: Section, replicas: list[ReplicaProcess]) -> None:
    owner, other = replicas
    took: list[float] = []
    for _ in range(5):
        here, conversation_id = await _conversation(owner)
        chat = {"message": paced_question(1000, 0.01), "conversation_id": conversation_id}
        await here.send(json.dumps({"type": "chat", "payload": chat}))
        run_id = ""
        while not run_id:
            run_id = str(json.loads(await here.recv()).get("run_id") or "")
        async with connect(f"{other.ws}/ws/stream") as there:
            await there.recv()
            asked = time.perf_counter()
            await there.send(json.dumps({"type": "cancel", "payload": {"run_id": run_id}}))
            while True:
                frame = json.loads(await here.recv())
                if frame.get("final"):
                    took.append(time.perf_counter() - asked)
                    break
        await here.close()
    ms = [t * 1000 for t in took]
    section.row(
        "cancel sent to the other replica",
        f"p50 {percentile(ms, 50):.0f} ms",
        f"max {max(ms):.0f} ms",
        "5 runs, to the terminal status",
    )
    section.check("cancel across replicas < 1 s", f"max {max(ms):.0f} ms", max(ms) < 1000)


def measure() -> Section:
    section = Section(
        "9. replicas",
        "9. Replicas: two cryptodesk serve processes on one PostgreSQL",
        ("measure", "result", "detail", "more"),
    )
    with (
        tempfile.TemporaryDirectory(prefix="cryptodesk-bench-") as tmp,
        postgres_cluster() as server,
        database_in(server, "bench") as database_url,
        _replicas(database_url, Path(tmp)) as replicas,
    ):
        _fan_out(section, replicas)
        asyncio.run(_latency(section, replicas))
        asyncio.run(_doorbell(section, replicas, database_url))
        asyncio.run(_cancel(section, replicas))
    section.notes += [
        "latency: from the frame's stamp (set by the owner's log just before its commit) to "
        "its arrival at a subscriber; on the other replica it adds the commit, the "
        "notification and the read of the log",
        "the subscribers run in a separate process; server CPU is both replicas' processes",
    ]
    return section


if __name__ == "__main__":
    print_section(make_console(), measure())
