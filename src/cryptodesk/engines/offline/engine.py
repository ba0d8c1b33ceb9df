"""The offline analyst: answers with rules and typed tools, no LLM.

It runs the same roster as the LLM team: the Orchestrator plans, specialists call tools through
the `ToolInvoker`, and the ReportWriter turns the tool results into the report.

The calls of one agent turn are independent of each other (the plan puts a call that needs
another's result in a later turn), so they run concurrently: a coin's indicators, levels and
patterns at once, an order book and a funding rate at once. Each call's `tool_result` still
follows its `tool_call`; calls of one turn may interleave, and the outcomes keep the plan's order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from cryptodesk.analysis.breadth import breadth
from cryptodesk.domain.events import AgentStep, EventSink, Progress, Report
from cryptodesk.domain.format import clip
from cryptodesk.domain.grounding import Grounding
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.grounding import Sources, check_report
from cryptodesk.engines.offline import watching
from cryptodesk.engines.offline.findings import Failure, Findings
from cryptodesk.engines.offline.intent import Intent, parse_intent
from cryptodesk.engines.offline.plan import AgentTask, PlannedCall, plan
from cryptodesk.engines.offline.report import Written, ask_for_coin, clarify, write_report
from cryptodesk.engines.offline.resolve import available_symbols, resolve
from cryptodesk.engines.roster import EMOJIS, AgentName
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.service import MarketDataService
from cryptodesk.rules.phrases import WatchRequest, read_request
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.context import ChartStore, WatchBook
from cryptodesk.tools.invoker import ToolInvoker, ToolOutcome
from cryptodesk.tools.registry import ToolRegistry, build_registry

_OUTCOME_CHARS = 300
_ACCOUNT_TOOLS = frozenset({"get_balances", "get_open_orders"})


class _Turns:
    """Numbers agent turns and reports each as a working step, progress and a completed step."""

    def __init__(self, request: RunRequest, sink: EventSink) -> None:
        self._request = request
        self._sink = sink
        self.used = 0
        self.agents: list[str] = []

    @property
    def left(self) -> int:
        return self._request.max_turns - self.used

    async def start(self, agent: AgentName, instruction: str) -> str:
        self.used += 1
        step_id = f"{self._request.run_id}-step-{self.used}"
        if agent not in self.agents:
            self.agents.append(agent)
        await self._sink.emit(AgentStep(agent, EMOJIS[agent], "working", instruction, step_id))
        await self._sink.emit(Progress(self.used, self._request.max_turns))
        return step_id

    async def finish(self, agent: AgentName, step_id: str, outcome: str) -> None:
        await self._sink.emit(AgentStep(agent, EMOJIS[agent], "completed", outcome, step_id))


class OfflineAnalyst:
    """The `offline` engine. Deterministic: the same question on the same data, the same report."""

    def __init__(
        self,
        market: MarketDataService,
        charts: ChartStore,
        tool_timeout_s: float,
        registry: ToolRegistry | None = None,
        *,
        exchange: ExchangeService | None = None,
        watch: WatchBook | None = None,
    ) -> None:
        self._market = market
        self._charts = charts
        self._tool_timeout_s = tool_timeout_s
        self._registry = registry or build_registry()
        self._exchange = exchange
        self._watch = watch

    @property
    def name(self) -> str:
        return "offline"

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        turns = _Turns(request, sink)
        step = await turns.start("Orchestrator", f"Plan an answer to: {request.question}")
        wanted = read_request(request.question) if self._watch is not None else None
        if wanted is not None:
            await turns.finish("Orchestrator", step, f"A watcher request ({wanted.kind}).")
            await self._watching(request, wanted, turns, sink)
            return
        unavailable = self._market.directory_unavailable("a market overview")
        intent, unresolved = await resolve(
            parse_intent(request.question, request.history), self._market, live=unavailable is None
        )
        if intent.needs_coin:
            symbols = available_symbols(self._market)
            written = clarify(intent, unresolved, symbols) if unresolved else ask_for_coin(symbols)
            await turns.finish(
                "Orchestrator", step, "No coin to answer about: " + written.bottom_line
            )
            await sink.emit(self._report(written, turns, ()))
            return
        findings = Findings(unresolved=unresolved, live=unavailable is None)
        if intent.overview and not intent.coin_queries and unavailable is not None:
            findings.overview_unavailable = unavailable
        tasks = plan(
            intent,
            self._market.available_coins(),
            directory=unavailable is None,
            exchange=self._exchange.name if self._exchange is not None else "the exchange",
        )
        await turns.finish("Orchestrator", step, _describe_plan(tasks))
        context = ToolContext(
            self._market,
            self._charts,
            request.run_id,
            request.conversation_id,
            exchange=self._exchange,
            watch=self._watch,
        )
        invoker = ToolInvoker(self._registry, context, sink, self._tool_timeout_s)
        sources = Sources()
        sources.add_text(request.question)
        pending = list(tasks)
        while pending:
            if turns.left <= 1:  # the last turn belongs to the ReportWriter
                findings.notes.append(_skipped(pending))
                break
            task = pending.pop(0)
            step = await turns.start(task.agent, task.instruction)
            outcomes = await asyncio.gather(
                *(invoker.call(task.agent, c.tool, c.arguments) for c in task.calls)
            )
            _collect(findings, task, outcomes, sources)
            await turns.finish(task.agent, step, _describe_outcomes(outcomes))
            # Only the market overview has a fallback (the prices of the largest coins).
            if task.fallback is not None and outcomes and not outcomes[0].success:
                findings.overview_unavailable = outcomes[0].error or "failed"
                pending.insert(0, task.fallback)
        written = await self._write(turns, intent, findings)
        charts = tuple(chart.chart_id for chart in findings.charts)
        grounding = check_report(written.content, _with_breadth(sources, findings))
        await sink.emit(self._report(written, turns, charts, findings.labels(), grounding))

    async def _watching(
        self, request: RunRequest, wanted: WatchRequest, turns: _Turns, sink: EventSink
    ) -> None:
        context = ToolContext(
            self._market,
            self._charts,
            request.run_id,
            request.conversation_id,
            exchange=self._exchange,
            watch=self._watch,
        )
        invoker = ToolInvoker(self._registry, context, sink, self._tool_timeout_s)

        async def step(
            instruction: str, calls: Callable[[], Awaitable[list[ToolOutcome]]]
        ) -> list[ToolOutcome]:
            step_id = await turns.start(watching.AGENT, instruction)
            outcomes = await calls()
            await turns.finish(watching.AGENT, step_id, _describe_outcomes(outcomes))
            return outcomes

        written, actions = await watching.answer(request, wanted, invoker, step)
        report = self._report(written, turns, ())
        await sink.emit(replace(report, watch_actions=actions))

    def _report(
        self,
        written: Written,
        turns: _Turns,
        charts: tuple[str, ...],
        labels: tuple[str, ...] = (),
        grounding: Grounding | None = None,
    ) -> Report:
        return Report(
            content=written.content,
            agents_used=tuple(turns.agents),
            charts=charts,
            engine=self.name,
            data_labels=labels,
            outlook=written.outlook,
            answer_kind=written.answer_kind,
            bottom_line=written.bottom_line,
            grounding=grounding,
        )

    async def _write(self, turns: _Turns, intent: Intent, findings: Findings) -> Written:
        if turns.left < 1:
            return write_report(intent, findings)
        step = await turns.start("ReportWriter", "Write the report from the tool results.")
        # Rendering is pure and quick, but yield once so a cancel lands before the report.
        await asyncio.sleep(0)
        written = write_report(intent, findings)
        missing = len(findings.failures)
        outcome = "Report written" + (f"; {missing} tool calls failed" if missing else ".")
        await turns.finish("ReportWriter", step, outcome)
        return written


def _describe_plan(tasks: Sequence[AgentTask]) -> str:
    agents = list(dict.fromkeys(task.agent for task in tasks))
    return "Plan: " + ", then ".join(agents) + ", then ReportWriter."


def _skipped(tasks: Sequence[AgentTask]) -> str:
    undone = "; ".join(f"{task.agent}: {task.instruction}" for task in tasks)
    return f"Turn limit reached before: {undone}"


def _describe_outcomes(outcomes: Sequence[ToolOutcome]) -> str:
    if not outcomes:
        return "Nothing to do."
    parts = [
        o.preview.split(";")[0] if o.success else f"{o.tool_name} failed: {o.error}"
        for o in outcomes
    ]
    text = " | ".join(parts)
    return clip(text, _OUTCOME_CHARS)


def _subject(call: PlannedCall) -> str:
    """What a failed call was about, for the report's missing data."""
    args = call.arguments
    coins = args.get("coins")
    subject = ", ".join(map(str, coins)) if isinstance(coins, list) else None
    subject = subject or next((str(args[k]) for k in ("coin", "symbol") if args.get(k)), None)
    if subject is None:
        return "the account" if call.tool in _ACCOUNT_TOOLS else "the market"
    timeframe = args.get("timeframe")
    return subject + (f" ({timeframe})" if timeframe else "")


def _with_breadth(sources: Sources, findings: Findings) -> Sources:
    """The report derives the breadth of a list of prices (how many rose, the average move)
    with `analysis.breadth`: those values count as sources too."""
    moves = breadth([(p.quote.symbol, p.quote.change_24h_pct) for p in findings.prices])
    if moves is not None:
        sources.add_values((moves.coins, moves.up, moves.down, moves.unchanged, moves.average_pct))
    return sources


def _collect(
    findings: Findings, task: AgentTask, outcomes: Sequence[ToolOutcome], sources: Sources
) -> None:
    for call, outcome in zip(task.calls, outcomes, strict=True):
        sources.add_arguments(call.arguments)
        if outcome.result is not None:
            sources.add_result(outcome.result)
            findings.keep(outcome.result)
        else:
            findings.failures.append(
                Failure(task.agent, outcome.tool_name, _subject(call), outcome.error or "failed")
            )
