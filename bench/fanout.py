"""Fan-out: one run watched by 200 WebSocket subscribers, against a bare FastAPI broadcast.

The real app runs under uvicorn in a thread of this process with a scripted engine that streams
2,000 text deltas (~200 bytes each); the subscribers run in a separate process, so they do not
share the server's event loop. Then a bare FastAPI broadcast sends the very same frame texts to
the same number of sockets under the same uvicorn setup. Throughput counts frames delivered
across all subscribers per second, from the triggering message to the last terminal frame;
server CPU is this process's CPU time over the same window (the main thread only waits).
Target: CryptoDesk at least half of the bare broadcast's throughput.

Both servers run with `cryptodesk serve`'s uvicorn options (`cryptodesk.serving`), which decline
permessage-deflate; the clients offer it, as browsers do. Diagnostic rows, shorter: the bare
broadcast paced one frame per event-loop turn (the delivery pattern of a live run), and one run
watched by a single subscriber (how fast the run itself produces frames).

`uv run python -m bench.fanout` runs this one alone.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.broadcast import create_broadcast_app
from bench.paths import replay_dir
from bench.report import Section, make_console, print_section
from bench.scripted import DeltaEngine
from bench.server import running
from bench.subscribers import Outcome, Plan, Target
from bench.subscribers import main as subscribers_main
from cryptodesk.app import create_app
from cryptodesk.config import Settings

SUBSCRIBERS = 200
DELTAS = 2000
DELTA_BYTES = 200
TARGET_RATIO = 0.5


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    subscribers: int
    compression: bool
    outcome: Outcome
    server_cpu_s: float
    client_cpu_s: float

    @property
    def throughput(self) -> float:
        return self.outcome.delivered / self.outcome.seconds

    @property
    def cpu_us_per_delivered(self) -> float:
        return self.server_cpu_s * 1e6 / self.outcome.delivered


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _watch(
    target: Target, base_url: str, subscribers: int, compression: bool
) -> tuple[Outcome, float, float]:
    """Runs the subscriber process; returns its outcome and the server and client CPU seconds."""
    plan = Plan(target, base_url, subscribers, compression)
    ctx = multiprocessing.get_context("spawn")  # never fork a process that runs a server thread
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=subscribers_main, args=(plan, theirs), daemon=True)
    proc.start()
    me = psutil.Process()
    try:
        if not ours.poll(plan.timeout_s):
            raise RuntimeError(f"{target} subscribers did not connect")
        ours.recv()  # ready
        clients = psutil.Process(proc.pid)
        server_before, client_before = _cpu(me), _cpu(clients)
        ours.send("go")
        if not ours.poll(plan.timeout_s):
            raise RuntimeError(f"{target} subscribers did not finish")
        ours.recv()  # done
        server_cpu, client_cpu = _cpu(me) - server_before, _cpu(clients) - client_before
        if not ours.poll(30):
            raise RuntimeError(f"{target} subscribers sent no outcome")
        outcome: Outcome = ours.recv()
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    return outcome, server_cpu, client_cpu


def _cryptodesk(
    data_dir: Path, deltas: int, subscribers: int, compression: bool, label: str
) -> Measured:
    settings = Settings(
        data_dir=data_dir,
        market_data="replay",
        replay_dir=replay_dir(),
        log_level="WARNING",
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = DeltaEngine(deltas, DELTA_BYTES)
    app = create_app(settings, engine_for=lambda _choice: engine)
    with running(app, "/api/v1/health") as server:
        outcome, server_cpu, client_cpu = _watch(
            "cryptodesk", server.ws_base, subscribers, compression
        )
    return Measured(label, subscribers, compression, outcome, server_cpu, client_cpu)


def _bare(frames: Sequence[str], compression: bool, label: str, paced: bool = False) -> Measured:
    with running(create_broadcast_app(frames, paced=paced), "/health") as server:
        outcome, server_cpu, client_cpu = _watch("bare", server.ws_base, SUBSCRIBERS, compression)
    return Measured(label, SUBSCRIBERS, compression, outcome, server_cpu, client_cpu)


def measure() -> Section:
    with tempfile.TemporaryDirectory(prefix="cryptodesk-bench-") as tmp:
        root = Path(tmp)
        desk = _cryptodesk(root / "a", DELTAS, SUBSCRIBERS, True, "CryptoDesk")
        bare = _bare(desk.outcome.frames, True, "bare broadcast")
        diagnostics = [
            _bare(desk.outcome.frames, True, "bare, paced per frame", paced=True),
            _cryptodesk(root / "c", DELTAS, 1, True, "CryptoDesk, 1 subscriber"),
        ]
    return _section(desk, bare, diagnostics)


def _section(desk: Measured, bare: Measured, diagnostics: list[Measured]) -> Section:
    frames = desk.outcome.frames
    size = sum(len(f.encode()) for f in frames) / len(frames)
    section = Section(
        "2. fan-out",
        f"2. Fan-out: one run of {len(frames)} frames (~{size:.0f} B) to {SUBSCRIBERS} "
        "WebSocket subscribers",
        (
            "server",
            "client offers deflate",
            "sockets",
            "frames/socket",
            "complete",
            "seconds",
            "1st frame ms",
            "frames/s",
            "server CPU s",
            "client CPU s",
            "server µs/frame",
            "4008",
        ),
    )
    results = [desk, bare, *diagnostics]
    for m in results:
        expected = len(m.outcome.frames)
        complete = sum(1 for n in m.outcome.per_socket if n == expected)
        section.row(
            m.label,
            "yes" if m.compression else "no",
            m.subscribers,
            expected,
            f"{complete}/{m.subscribers}",
            f"{m.outcome.seconds:.2f}",
            f"{m.outcome.first_frame_s * 1000:.0f}",
            f"{m.throughput:,.0f}",
            f"{m.server_cpu_s:.2f}",
            f"{m.client_cpu_s:.2f}",
            f"{m.cpu_us_per_delivered:.1f}",
            m.outcome.resumes,
        )
    ratio = desk.throughput / bare.throughput
    extra_cpu_us = (desk.server_cpu_s - bare.server_cpu_s) * 1e6 / len(frames)
    alone = diagnostics[-1]
    cpu_factor = desk.cpu_us_per_delivered / bare.cpu_us_per_delivered
    closes = Counter(c for m in results for c in m.outcome.close_codes)
    section.notes += [
        f"throughput ratio CryptoDesk / bare: {ratio:.2f} (the server declines "
        "permessage-deflate, see cryptodesk.serving)",
        f"server CPU per frame delivered: CryptoDesk {desk.cpu_us_per_delivered:.1f} µs, bare "
        f"{bare.cpu_us_per_delivered:.1f} µs ({cpu_factor:.1f}x); "
        f"{extra_cpu_us:.0f} µs more per run frame",
        f"the same run took {desk.outcome.seconds:.2f} s with {SUBSCRIBERS} subscribers and "
        f"{alone.outcome.seconds:.2f} s with 1 ({alone.server_cpu_s * 1e6 / len(frames):.0f} µs "
        "server CPU per frame produced)",
        "server µs/frame: server CPU per frame delivered to one socket; subscribers run in a "
        "separate process, the server in a thread of this one",
    ]
    if closes:
        section.notes.append(
            "close codes seen: " + ", ".join(f"{c} x{n}" for c, n in sorted(closes.items()))
        )
    section.check(
        f"fan-out ≥ {TARGET_RATIO:.0%} of bare broadcast",
        f"{ratio:.2f} ({desk.throughput:,.0f} vs {bare.throughput:,.0f} frames/s)",
        ratio >= TARGET_RATIO,
    )
    return section


if __name__ == "__main__":
    print_section(make_console(), measure())
