"""The LLM team on a standard question against the loopback OpenAI-compatible fake.

"Analyze BTC on the 4h chart" with the full team (first round: price, technicals and chart at
once, then the Magentic ledger and the ReportWriter): the tokens sent and received as the server
reports them, the number of LLM calls, and the orchestration overhead per round excluding LLM
latency: wall time minus the time during which an LLM call or a tool was in flight (concurrent
calls counted once), divided by the rounds. Every response of the fake takes a fixed latency.
Targets: under 30,000 tokens per run, under 5 ms overhead per round. The engine is set up as
`cryptodesk serve` sets it up: the team built at start-up (`MagenticEngine.warm`), then the heap
settled (`serving.settle_heap`). The manager's own path (`llm_parallel=false`: plan, delegate one
step at a time) is measured the same way, for reference.

`uv run python -m bench.llm_team` runs this one alone.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes import MemoryChartStore

from bench.llm_fake import fake_server, reset, stats, team_engine
from bench.paths import replay_dir
from bench.report import Section, make_console, print_section
from cryptodesk.domain.events import DomainEvent, Report, ToolFinished
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.magentic.engine import MagenticEngine
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
    busy_ms: float

    @property
    def overhead_per_round_ms(self) -> float:
        return (self.wall_ms - self.busy_ms) / max(self.rounds, 1)


class _Sink:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def emit(self, event: DomainEvent) -> None:
        self.events.append(event)


async def _run_once(engine: MagenticEngine, url: str, index: int) -> Measured:
    await reset(url)
    sink = _Sink()
    request = RunRequest(f"bench-{index}", "bench", QUESTION, (), 15)
    started = time.perf_counter()
    await engine.run(request, sink)
    wall = (time.perf_counter() - started) * 1000
    report = sink.events[-1]
    assert isinstance(report, Report) and report.engine.startswith("magentic:"), report
    return Measured(
        prompt_tokens=report.usage.prompt_tokens,
        completion_tokens=report.usage.completion_tokens,
        calls=sum(a.calls for a in report.usage.by_agent),
        rounds=engine.last_rounds,
        wall_ms=wall,
        busy_ms=engine.last_busy_seconds * 1000,
    )


async def _series(url: str, runs: int, **settings: Any) -> tuple[Measured, list[Measured], Any]:
    with team_engine(url, **settings) as engine:
        # As `cryptodesk serve` does: the team is built at start-up, then the heap settled.
        engine.warm()
        settle_heap()
        try:
            cold = await _run_once(engine, url, 0)
            results = [await _run_once(engine, url, i + 1) for i in range(runs)]
            by_agent = engine.last_by_agent
            messages = (await stats(url))["message_tokens"]
        finally:
            await engine.aclose()
    return cold, results, (by_agent, messages)


async def measure(runs: int = RUNS) -> Section:
    with fake_server(LATENCY_S) as url:
        cold, results, (by_agent, messages) = await _series(url, runs)
        _, sequential, _ = await _series(url, max(runs // 3, 3), llm_parallel=False)
    market = MarketDataService(ReplayProvider(replay_dir()), "replay", "bench replay")
    scripted = await _scripted_overhead(market, runs)
    section = _section(cold, results, by_agent, messages)
    overhead = statistics.median(r.overhead_per_round_ms for r in sequential)
    section.row("  manager's own path (llm_parallel=false), same fake", f"{overhead:.2f} ms", "")
    section.row("  manager's path, in-process scripted client (no HTTP)", f"{scripted:.2f} ms", "")
    return section


async def _scripted_overhead(market: MarketDataService, runs: int) -> float:
    """The manager's path on an in-process scripted chat client (no HTTP): the framework's and
    our own cost per round, median in ms. One script serves every call in order, so this path
    delegates one step at a time."""
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
        parallel=False,
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


def _section(
    cold: Measured, results: list[Measured], by_agent: dict[str, int], messages: int
) -> Section:
    latency = f"{LATENCY_S * 1000:.0f} ms per response"
    section = Section(
        "LLM team",
        f'LLM team: "{QUESTION}", full team, loopback fake ({latency})',
        ("measure", "value", "target"),
    )
    last = results[-1]
    total = last.prompt_tokens + last.completion_tokens
    overhead = statistics.median(r.overhead_per_round_ms for r in results)
    section.row("prompt tokens billed (messages + tool definitions)", f"{last.prompt_tokens:,}", "")
    section.row("  of which the messages", f"{messages:,}", "")
    section.row("completion tokens received", f"{last.completion_tokens:,}", "")
    section.row("total tokens per run", f"{total:,}", f"< {TARGET_TOKENS:,}")
    section.row("LLM calls per run", last.calls, "")
    section.row("rounds (the first round, then progress ledgers)", last.rounds, "")
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
        "tokens: as the fake bills them (4 characters per token of the messages and the tool "
        "definitions); LLM calls by agent: " + ", ".join(f"{k} {n}" for k, n in by_agent.items()),
        "overhead = wall time - time with an LLM call or a tool in flight, per round; "
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
