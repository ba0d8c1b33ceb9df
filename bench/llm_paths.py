"""The LLM team before and after the first round, at a realistic 1.5 s per LLM call.

The same loopback fake (in its own process, every answer taking 1.5 s) and the same run answer
each standard question twice: with the manager planning and delegating one step at a time (the
path before the first round, still selectable with `llm_parallel=false`: "before") and with the
first round (the default: "after"). Per question: wall time, LLM calls in all and on the
critical path (the longest chain of calls that ran one after another), the most requests the
fake answered at once, tokens as the fake bills them (messages and tool definitions) and the
messages alone, and the estimate the run sent before its first call against what it then spent.
Then the stall watchdog: a provider that stops sending mid-stream, and how long after its last
chunk the run's error came (target: the stall timeout plus at most a second).

Targets: "Analyze BTC on the 4h chart" after at most 40 % of before's wall time, with no more
tokens. `uv run python -m bench.llm_paths` runs this one alone.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.llm_fake import fake_server, reset, stats, team_engine
from bench.report import Section, make_console, print_section
from cryptodesk.domain.events import DomainEvent, Report, RunError
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.magentic.engine import MagenticEngine

LATENCY_S = 1.5
QUESTIONS = (
    "Analyze BTC on the 4h chart",
    "Should I buy BTC now?",
    "What is the price of Bitcoin?",
)
HEADLINE = QUESTIONS[0]
TARGET_SHARE = 0.40
STALL_TIMEOUT_S = 3.0
STALL_LATENCY_S = 0.05


@dataclass(frozen=True, slots=True)
class Run:
    wall_s: float
    calls: int
    critical: int
    in_flight: int
    billed: int
    messages: int
    estimate_tokens: int
    estimate_usd: float | None
    cost_usd: float | None


class _Sink:
    def __init__(self) -> None:
        self.events: list[tuple[float, DomainEvent]] = []

    async def emit(self, event: DomainEvent) -> None:
        self.events.append((time.time(), event))


async def _ask(engine: MagenticEngine, url: str, question: str, index: int) -> Run:
    await reset(url)
    sink = _Sink()
    started = time.perf_counter()
    await engine.run(RunRequest(f"paths-{index}", "bench", question, (), 15), sink)
    wall = time.perf_counter() - started
    report = sink.events[-1][1]
    assert isinstance(report, Report) and report.engine.startswith("magentic:"), report
    seen = await stats(url)
    usage = report.usage
    estimate = engine.last_estimate or (0, None)
    return Run(
        wall_s=wall,
        calls=seen["requests"],
        critical=engine.last_critical_calls,
        in_flight=seen["max_in_flight"],
        billed=usage.prompt_tokens + usage.completion_tokens,
        messages=seen["message_tokens"] + seen["completion_tokens"],
        estimate_tokens=estimate[0],
        estimate_usd=estimate[1],
        cost_usd=usage.cost_usd,
    )


async def _paths() -> dict[str, dict[bool, Run]]:
    found: dict[str, dict[bool, Run]] = {q: {} for q in QUESTIONS}
    with fake_server(LATENCY_S) as url:
        for parallel in (False, True):
            with team_engine(url, llm_parallel=parallel) as engine:
                engine.warm()
                try:
                    for index, question in enumerate(QUESTIONS):
                        found[question][parallel] = await _ask(engine, url, question, index)
                finally:
                    await engine.aclose()
    return found


async def _stall() -> tuple[str, float | None]:
    """The error code of a run whose provider stalls mid-stream, and its delay past the stall
    timeout (from the last chunk the fake sent to the error frame)."""
    with (
        fake_server(STALL_LATENCY_S, "stall") as url,
        team_engine(url, llm_stall_timeout_s=STALL_TIMEOUT_S) as engine,
    ):
        try:
            await reset(url)
            sink = _Sink()
            await engine.run(RunRequest("stall", "bench", HEADLINE, (), 15), sink)
        finally:
            await engine.aclose()
        stalled_at = (await stats(url))["stalled_at"]
    errors = [(at, e) for at, e in sink.events if isinstance(e, RunError)]
    if not errors or stalled_at is None:
        return "no error", None
    at, error = errors[0]
    return error.code, at - stalled_at - STALL_TIMEOUT_S


def _usd(value: float | None) -> str:
    return "unpriced" if value is None else f"${value:.5f}"


async def measure() -> Section:
    found = await _paths()
    code, late = await _stall()
    section = Section(
        "LLM paths",
        f"LLM team before/after the first round, loopback fake at {LATENCY_S:g} s per LLM call",
        ("question / measure", "before", "after", "target"),
    )
    for question, runs in found.items():
        before, after = runs[False], runs[True]
        share = after.wall_s / before.wall_s
        headline = question == HEADLINE
        section.row(
            f'"{question}": wall time',
            f"{before.wall_s:.1f} s",
            f"{after.wall_s:.1f} s ({share:.0%})",
            f"<= {TARGET_SHARE:.0%}" if headline else "",
        )
        section.row("  LLM calls (on the critical path)", _calls(before), _calls(after), "")
        section.row("  requests in flight at once (most)", before.in_flight, after.in_flight, "")
        section.row(
            "  tokens billed (messages alone)",
            f"{before.billed:,} ({before.messages:,})",
            f"{after.billed:,} ({after.messages:,})",
            "after <= before" if headline else "",
        )
        section.row(
            "  estimate: tokens, cost",
            f"{before.estimate_tokens:,}, {_usd(before.estimate_usd)}",
            f"{after.estimate_tokens:,}, {_usd(after.estimate_usd)}",
            "",
        )
        section.row("  actual cost", _usd(before.cost_usd), _usd(after.cost_usd), "")
        if headline:
            section.check(
                f"after <= {TARGET_SHARE:.0%} of before", f"{share:.0%}", share <= TARGET_SHARE
            )
            section.check(
                "tokens after <= before",
                f"{after.billed:,} vs {before.billed:,}",
                after.billed <= before.billed,
            )
    stall = "no error frame" if late is None else f"{code} {late:+.2f} s past the timeout"
    section.row(f"stall mid-stream ({STALL_TIMEOUT_S:g} s timeout)", "", stall, "<= +1 s")
    section.check("stall ends within timeout + 1 s", stall, late is not None and late <= 1.0)
    section.notes += [
        "before: llm_parallel=false (the manager plans, delegates one specialist at a time); "
        "after: the default first round. Same fake process, same run of the benchmark",
        "the fake's answers are short and scripted: real models write longer answers, so the "
        "estimate (typical lengths) sits above the fake's spend; the model is priced as "
        "gpt-4o-mini",
    ]
    return section


def _calls(run: Run) -> str:
    return f"{run.calls} ({run.critical})"


def main() -> None:
    print_section(make_console(), asyncio.run(measure()))


if __name__ == "__main__":
    main()
