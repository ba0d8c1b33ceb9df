"""Offline analyst latency on replayed candles, end to end through the RunManager.

Each question is timed from `runs.start` to its terminal `status` frame as an in-process
follower sees it: conversation and run rows, every frame written to the event log, fan-out
through the hub. The same questions are then run on the bare engine with a no-op sink, so what
the runtime adds per run (and per frame) is visible. Target: p50 under 300 ms.

`uv run python -m bench.offline_analyst` runs this one alone.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.paths import replay_dir
from bench.report import Section, make_console, percentile, print_section
from cryptodesk.config import Settings
from cryptodesk.desk import Desk
from cryptodesk.domain.events import DomainEvent
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.realtime.hub import QueueListener

TARGET_P50_MS = 300.0
ROUNDS = 50

QUESTIONS = (
    ("price", "What is the price of Bitcoin?"),
    ("technical", "Analyze ETH on the 4h chart with RSI and MACD"),
    ("compare", "Compare SOL and AVAX this month"),
    ("overview", "Give me a market overview"),
    ("price", "How much is SOL worth right now?"),
    ("technical", "What are the support and resistance levels for LINK?"),
    ("compare", "Compare BTC vs ETH this week"),
    ("overview", "How is the crypto market doing today?"),
    ("technical", "Show me a BTC chart with Bollinger bands on the 1h timeframe"),
    ("price", "What's the 24h change of XRP?"),
)


@dataclass(frozen=True, slots=True)
class Timed:
    kind: str
    ms: float
    frames: int
    status: str


class _NoopSink:
    async def emit(self, event: DomainEvent) -> None:
        return None


class _NoopCharts:
    """Charts need their run's row in the store; the bare engine has none."""

    async def save_chart(self, **_: Any) -> str:
        return "bench-chart"


def _schedule(rounds: int) -> list[tuple[str, str]]:
    return [QUESTIONS[i % len(QUESTIONS)] for i in range(rounds)]


async def _end_to_end(desk: Desk, kind: str, question: str) -> Timed:
    listener = QueueListener()
    started_at = time.perf_counter()
    started = await desk.runs.start(
        question, on_created=lambda cid: desk.hub.subscribe(listener, cid)
    )
    frames = 0
    try:
        while True:
            frame = await listener.queue.get()
            if frame.run_id != started.run_id:
                continue
            frames += 1
            if '"final":true' not in frame.text:
                continue
            data = json.loads(frame.text)
            if data.get("type") == "status":
                elapsed = (time.perf_counter() - started_at) * 1000
                return Timed(kind, elapsed, frames, str(data.get("status")))
    finally:
        desk.hub.remove(listener)


async def _engine_only(
    engine: OfflineAnalyst, max_turns: int, kind: str, question: str, index: int
) -> Timed:
    request = RunRequest(f"bench-{index}", "bench", question, (), max_turns)
    started_at = time.perf_counter()
    await engine.run(request, _NoopSink())
    return Timed(kind, (time.perf_counter() - started_at) * 1000, 0, "completed")


def _stats(timings: list[Timed]) -> tuple[float, float, float, float]:
    values = [t.ms for t in timings]
    return (
        percentile(values, 50),
        percentile(values, 95),
        statistics.fmean(values),
        max(values),
    )


async def measure(rounds: int = ROUNDS) -> Section:
    with tempfile.TemporaryDirectory(prefix="cryptodesk-bench-") as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            market_data="replay",
            replay_dir=replay_dir(),
            log_level="WARNING",
            _env_file=None,  # type: ignore[call-arg]
        )
        opened_at = time.perf_counter()
        desk = await Desk.open(settings)
        open_ms = (time.perf_counter() - opened_at) * 1000
        try:
            # One untimed pass over the distinct questions: the first run of each kind parses
            # CSVs and fills caches; it is shown apart rather than mixed into the percentiles.
            cold = [await _end_to_end(desk, kind, q) for kind, q in QUESTIONS]
            schedule = _schedule(rounds)
            e2e = [await _end_to_end(desk, kind, q) for kind, q in schedule]
            bare = OfflineAnalyst(desk.market, _NoopCharts(), settings.tool_timeout_s)
            engine = [
                await _engine_only(bare, settings.max_turns, kind, q, i)
                for i, (kind, q) in enumerate(schedule)
            ]
        finally:
            await desk.close()
    return _section(rounds, open_ms, cold, e2e, engine)


def _section(
    rounds: int, open_ms: float, cold: list[Timed], e2e: list[Timed], engine: list[Timed]
) -> Section:
    section = Section(
        "1. offline analyst",
        f"1. Offline analyst latency ({rounds} questions, replay data, in-process)",
        ("questions", "n", "p50 ms", "p95 ms", "mean ms", "max ms", "engine p50 ms", "frames/run"),
    )
    p50, p95, mean, _ = _stats(e2e)
    ep50, ep95, emean, _ = _stats(engine)
    frames = statistics.fmean(t.frames for t in e2e)
    section.row("all, end to end", len(e2e), *_cells(e2e), f"{ep50:.1f}", f"{frames:.1f}")
    for kind in dict.fromkeys(k for k, _ in QUESTIONS):
        mine = [t for t in e2e if t.kind == kind]
        bare = [t.ms for t in engine if t.kind == kind]
        section.row(
            f"  {kind}",
            len(mine),
            *_cells(mine),
            f"{percentile(bare, 50):.1f}",
            f"{statistics.fmean(t.frames for t in mine):.1f}",
        )
    section.row("all, engine only", len(engine), *_cells(engine), "-", "-")
    section.row(
        "runtime overhead",
        "",
        f"{p50 - ep50:.1f}",
        f"{p95 - ep95:.1f}",
        f"{mean - emean:.1f}",
        "",
        "",
        "",
    )
    per_frame_us = (mean - emean) * 1000 / frames
    cold_ms = ", ".join(f"{t.kind} {t.ms:.0f}" for t in cold[:4])
    statuses = Counter(t.status for t in cold + e2e)
    section.notes += [
        "end to end: runs.start -> terminal status frame seen by an in-process follower "
        "(store, event log, hub); engine only: OfflineAnalyst with a no-op sink and chart store",
        f"runtime overhead per frame (means): {per_frame_us:.0f} µs",
        f"Desk.open (migrations, services): {open_ms:.0f} ms; "
        f"first run of each kind (cold, not in the percentiles), ms: {cold_ms}",
        "terminal statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())),
    ]
    section.check(f"offline p50 < {TARGET_P50_MS:.0f} ms", f"{p50:.1f} ms", p50 < TARGET_P50_MS)
    return section


def _cells(timings: list[Timed]) -> tuple[str, ...]:
    return tuple(f"{v:.1f}" for v in _stats(timings))


if __name__ == "__main__":
    print_section(make_console(), asyncio.run(measure()))
