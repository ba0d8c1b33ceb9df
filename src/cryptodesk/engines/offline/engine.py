"""The offline analyst: answers with rules and typed tools, no LLM.

It runs the same roster as the LLM team: the Orchestrator plans, specialists call tools through
the `ToolInvoker`, and the ReportWriter turns the tool results into the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.offline.intent import Intent, parse_intent
from cryptodesk.engines.offline.plan import AgentTask, plan
from cryptodesk.engines.offline.report import Failure, Findings, ask_for_coin, render_report
from cryptodesk.engines.roster import EMOJIS, AgentName
from cryptodesk.market.catalog import coin_by_id
from cryptodesk.market.service import MarketDataService
from cryptodesk.runs.events import AgentStep, EventSink, Progress, Report
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.charts import ChartResult
from cryptodesk.tools.context import ChartStore
from cryptodesk.tools.invoker import ToolInvoker, ToolOutcome
from cryptodesk.tools.market import CompareResult, PriceResult
from cryptodesk.tools.registry import ToolRegistry, build_registry
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult, PatternsResult

EXCHANGE_NOTE = (
    "Exchange data (order book, spread, funding, open interest) is not available in this "
    "version; the ExchangeAnalyst has no tools yet."
)
_OUTCOME_CHARS = 300


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
    ) -> None:
        self._market = market
        self._charts = charts
        self._tool_timeout_s = tool_timeout_s
        self._registry = registry or build_registry()

    @property
    def name(self) -> str:
        return "offline"

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        turns = _Turns(request, sink)
        intent = parse_intent(request.question, request.history)
        step = await turns.start("Orchestrator", f"Plan an answer to: {request.question}")
        if intent.needs_coin:
            await turns.finish("Orchestrator", step, "No coin named: asking which coin is meant.")
            symbols = tuple(coin_by_id(c).symbol for c in self._market.available_coins())
            await sink.emit(Report(ask_for_coin(symbols), tuple(turns.agents), (), self.name))
            return
        tasks = plan(intent, self._market.available_coins())
        await turns.finish("Orchestrator", step, _describe_plan(tasks))
        context = ToolContext(self._market, self._charts, request.run_id, request.conversation_id)
        invoker = ToolInvoker(self._registry, context, sink, self._tool_timeout_s)
        findings = Findings()
        for index, task in enumerate(tasks):
            if turns.left <= 1:  # the last turn belongs to the ReportWriter
                findings.notes.append(_skipped(tasks[index:]))
                break
            step = await turns.start(task.agent, task.instruction)
            outcomes = [await invoker.call(task.agent, c.tool, c.arguments) for c in task.calls]
            _collect(findings, task, outcomes)
            if task.agent == "ExchangeAnalyst":
                findings.notes.append(EXCHANGE_NOTE)
            await turns.finish(task.agent, step, _describe_outcomes(task, outcomes))
        content = await self._write(turns, intent, findings)
        await sink.emit(
            Report(
                content=content,
                agents_used=tuple(turns.agents),
                charts=tuple(chart.chart_id for chart in findings.charts),
                engine=self.name,
                data_labels=findings.labels(),
            )
        )

    async def _write(self, turns: _Turns, intent: Intent, findings: Findings) -> str:
        if turns.left < 1:
            return render_report(intent, findings)
        step = await turns.start("ReportWriter", "Write the report from the tool results.")
        # Rendering is pure and quick, but yield once so a cancel lands before the report.
        await asyncio.sleep(0)
        content = render_report(intent, findings)
        missing = len(findings.failures)
        outcome = "Report written" + (f"; {missing} tool calls failed" if missing else ".")
        await turns.finish("ReportWriter", step, outcome)
        return content


def _describe_plan(tasks: Sequence[AgentTask]) -> str:
    agents = list(dict.fromkeys(task.agent for task in tasks))
    return "Plan: " + ", then ".join(agents) + ", then ReportWriter."


def _skipped(tasks: Sequence[AgentTask]) -> str:
    undone = "; ".join(f"{task.agent}: {task.instruction}" for task in tasks)
    return f"Turn limit reached before: {undone}"


def _describe_outcomes(task: AgentTask, outcomes: Sequence[ToolOutcome]) -> str:
    if not outcomes:
        return EXCHANGE_NOTE if task.agent == "ExchangeAnalyst" else "Nothing to do."
    parts = [
        o.preview.split(";")[0] if o.success else f"{o.tool_name} failed: {o.error}"
        for o in outcomes
    ]
    text = " | ".join(parts)
    return text if len(text) <= _OUTCOME_CHARS else text[: _OUTCOME_CHARS - 1] + "…"


def _collect(findings: Findings, task: AgentTask, outcomes: Sequence[ToolOutcome]) -> None:
    for call, outcome in zip(task.calls, outcomes, strict=True):
        result = outcome.result
        if isinstance(result, PriceResult):
            findings.prices.append(result)
        elif isinstance(result, IndicatorsResult):
            findings.indicators.append(result)
        elif isinstance(result, LevelsResult):
            findings.levels.append(result)
        elif isinstance(result, PatternsResult):
            findings.patterns.append(result)
        elif isinstance(result, ChartResult):
            findings.charts.append(result)
        elif isinstance(result, CompareResult):
            findings.comparison = result
        elif not outcome.success:
            coins = call.arguments.get("coins")
            subject = ", ".join(map(str, coins)) if isinstance(coins, list) else None
            subject = subject or str(call.arguments.get("coin"))
            timeframe = call.arguments.get("timeframe")
            label = subject + (f" ({timeframe})" if timeframe else "")
            findings.failures.append(
                Failure(task.agent, outcome.tool_name, label, outcome.error or "failed")
            )
