"""The LLM team on a standard question against the loopback OpenAI-compatible fake.

"Analyze BTC on the 4h chart" with the full team (plan, CryptoMarketAnalyst, TechnicalAnalyst,
ChartingAgent, ReportWriter): the tokens sent and received as the server reports them, the
number of LLM calls, and the orchestration overhead per round excluding LLM latency (wall time
minus the time spent in LLM calls and in tools, divided by the rounds). Every response of the
fake takes a fixed latency. Targets: under 30,000 tokens per run, under 5 ms overhead per round.
The engine is set up as `cryptodesk serve` sets it up: the team built at start-up
(`MagenticEngine.warm`), then the heap settled (`serving.settle_heap`).

`uv run python -m bench.llm_team` runs this one alone.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tests.fakes import MemoryChartStore
from tests.runtime.server import free_port

from bench.paths import REPO, replay_dir
from bench.report import Section, make_console, print_section
from cryptodesk.config import Settings
from cryptodesk.domain.events import DomainEvent, Report, ToolFinished
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.magentic.engine import MagenticEngine
from cryptodesk.engines.magentic.target import configured_target
from cryptodesk.engines.magentic.usage import PriceTable
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.serving import settle_heap

QUESTION = "Analyze BTC on the 4h chart"
LATENCY_S = 0.05
RUNS = 15
TARGET_TOKENS = 30_000
TARGET_OVERHEAD_MS = 5.0


@dataclass(frozen=True, slots=True)
class Measured:
    prompt_tokens: int
    completion_tokens: int
    calls: int
    rounds: int
    wall_ms: float
    llm_ms: float
    tool_ms: float

    @property
    def overhead_per_round_ms(self) -> float:
        return (self.wall_ms - self.llm_ms - self.tool_ms) / max(self.rounds, 1)


class _Sink:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def emit(self, event: DomainEvent) -> None:
        self.events.append(event)


@contextmanager
def _fake_server(delay_s: float) -> Iterator[str]:
    """The loopback fake in its own process, so its work never competes with the team's loop."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.engines.magentic.fake_llm", str(port), str(delay_s)],
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/v1/models", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fake LLM server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _run_once(engine: MagenticEngine, url: str, index: int) -> Measured:
    async with httpx.AsyncClient() as client:
        await client.post(f"{url}/_reset")
    sink = _Sink()
    request = RunRequest(f"bench-{index}", "bench", QUESTION, (), 15)
    meter_before = time.perf_counter()
    await engine.run(request, sink)
    wall = (time.perf_counter() - meter_before) * 1000
    report = sink.events[-1]
    assert isinstance(report, Report) and report.engine.startswith("magentic:"), report
    tool_ms = sum(e.duration_ms for e in sink.events if isinstance(e, ToolFinished))
    return Measured(
        prompt_tokens=report.usage.prompt_tokens,
        completion_tokens=report.usage.completion_tokens,
        calls=sum(a.calls for a in report.usage.by_agent),
        rounds=engine.last_rounds,
        wall_ms=wall,
        llm_ms=engine.last_llm_seconds * 1000,
        tool_ms=tool_ms,
    )


async def measure(runs: int = RUNS) -> Section:
    with _fake_server(LATENCY_S) as url, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            market_data="replay",
            replay_dir=replay_dir(),
            llm_provider="openai-compatible",
            llm_base_url=f"{url}/v1",
            llm_model="gpt-4o-mini",
            llm_max_retries=0,
            log_level="WARNING",
            _env_file=None,  # type: ignore[call-arg]
        )
        target = configured_target(settings)
        assert target is not None
        market = MarketDataService(ReplayProvider(replay_dir()), "replay", "bench replay")
        charts = MemoryChartStore()
        engine = MagenticEngine(
            target,
            market=market,
            charts=charts,
            fallback=OfflineAnalyst(market, charts, 30.0),
            tool_timeout_s=30.0,
            history_tokens=settings.llm_history_tokens,
            prices=PriceTable.build({}, free=False),
        )
        # As `cryptodesk serve` does: the team is built at start-up, then the heap settled.
        engine.warm()
        settle_heap()
        try:
            cold = await _run_once(engine, url, 0)
            results = [await _run_once(engine, url, i + 1) for i in range(runs)]
            by_agent = engine.last_by_agent
        finally:
            await engine.aclose()
        scripted = await _scripted_overhead(market, runs)
    section = _section(cold, results, by_agent)
    section.row("  same, in-process scripted client (no HTTP)", f"{scripted:.2f} ms", "")
    return section


async def _scripted_overhead(market: MarketDataService, runs: int) -> float:
    """The same run on an in-process scripted chat client (no HTTP): the framework's and our
    own cost per round, median in ms."""
    from tests.engines.magentic.fake_llm import TEAM_STEPS, ledger
    from tests.engines.magentic.scripted_client import Script, ScriptedChatClient

    from cryptodesk.engines.magentic.providers import LlmProviders
    from cryptodesk.engines.magentic.target import LlmTarget

    def items() -> list[Any]:
        steps: list[Any] = ["FACTS", "PLAN"]
        for agent, instruction, calls in TEAM_STEPS:
            steps += [ledger(False, agent, instruction), calls, f"{agent} done."]
        return [*steps, ledger(True), "## Report"]

    script = Script([])
    target = LlmTarget("openai", "scripted", "scripted", "http://127.0.0.1:9/v1")
    charts = MemoryChartStore()
    engine = MagenticEngine(
        target,
        market=market,
        charts=charts,
        fallback=OfflineAnalyst(market, charts, 30.0),
        tool_timeout_s=30.0,
        history_tokens=2000,
        prices=PriceTable.build({}, free=True),
        providers=LlmProviders(target, lambda _model: ScriptedChatClient(script)),
    )
    overheads = []
    for index in range(runs + 1):
        script.items = items()
        sink = _Sink()
        started = time.perf_counter()
        await engine.run(RunRequest(f"scripted-{index}", "bench", QUESTION, (), 15), sink)
        wall = (time.perf_counter() - started) * 1000
        tools = sum(e.duration_ms for e in sink.events if isinstance(e, ToolFinished))
        overheads.append((wall - tools - engine.last_llm_seconds * 1000) / engine.last_rounds)
    return statistics.median(overheads[1:])


def _section(cold: Measured, results: list[Measured], by_agent: dict[str, int]) -> Section:
    latency = f"{LATENCY_S * 1000:.0f} ms per response"
    section = Section(
        "LLM team",
        f'LLM team: "{QUESTION}", full team, loopback fake ({latency})',
        ("measure", "value", "target"),
    )
    last = results[-1]
    total = last.prompt_tokens + last.completion_tokens
    overhead = statistics.median(r.overhead_per_round_ms for r in results)
    section.row("prompt tokens sent", f"{last.prompt_tokens:,}", "")
    section.row("completion tokens received", f"{last.completion_tokens:,}", "")
    section.row("total tokens per run", f"{total:,}", f"< {TARGET_TOKENS:,}")
    section.row("LLM calls per run", last.calls, "")
    section.row("rounds (progress ledgers)", last.rounds, "")
    section.row(
        "wall time per run (median)", f"{statistics.median(r.wall_ms for r in results):.0f} ms", ""
    )
    section.row(
        f"orchestration overhead per round (median of {len(results)} runs)",
        f"{overhead:.2f} ms",
        f"< {TARGET_OVERHEAD_MS:g} ms",
    )
    deciles = statistics.quantiles([r.overhead_per_round_ms for r in results], n=10)
    section.row(
        "  spread over the runs (p10 .. p90)", f"{deciles[0]:.2f} .. {deciles[-1]:.2f} ms", ""
    )
    section.notes += [
        "tokens: as the fake reports them (4 characters per token of the request's messages); "
        "LLM calls by agent: " + ", ".join(f"{k} {n}" for k, n in by_agent.items()),
        "overhead = wall time - time in LLM calls (client side) - tool time, per round; "
        f"first (cold) run: {cold.overhead_per_round_ms:.1f} ms per round, not in the median",
    ]
    section.check(f"tokens < {TARGET_TOKENS:,}", f"{total:,}", total < TARGET_TOKENS)
    section.check(
        f"overhead/round < {TARGET_OVERHEAD_MS:g} ms",
        f"{overhead:.2f} ms",
        overhead < TARGET_OVERHEAD_MS,
    )
    return section


def main() -> None:
    print_section(make_console(), asyncio.run(measure()))


if __name__ == "__main__":
    main()
