"""The `magentic` engine: the LLM team, its fast path, and the offline analyst as fallback.

A run: the daily cap and the model's known abilities are checked (either may send the question
to the offline analyst before any LLM call), the estimate goes out, then the team answers under
the stall watchdog: a simple lookup in one writer turn; a question the planner understands with a
first round (data gathered at once, specialists at the same time) and the Magentic ledger; any
other through the manager's own planning. The report opens with the bottom line and its figures
are checked against the tool results (one repair round). What the run spent is written to the
spending ledger however it ends.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from cryptodesk.domain.events import (
    CostEstimate,
    DomainEvent,
    EventSink,
    Report,
    RunError,
    Usage,
)
from cryptodesk.domain.grounding import Grounding
from cryptodesk.domain.outlook import AnswerKind
from cryptodesk.engines.base import Engine, RunRequest
from cryptodesk.engines.magentic import answer, report_writer
from cryptodesk.engines.magentic.agentspec import AgentSpec
from cryptodesk.engines.magentic.budget import DailyCap
from cryptodesk.engines.magentic.estimate import Estimator
from cryptodesk.engines.magentic.events import TeamReporter
from cryptodesk.engines.magentic.evidence import Findings
from cryptodesk.engines.magentic.failures import classify
from cryptodesk.engines.magentic.fastpath import (
    FAST_AGENT,
    FAST_INSTRUCTIONS,
    FAST_TOOL,
    fast_prompt,
    is_simple_lookup,
)
from cryptodesk.engines.magentic.firstround import (
    FirstRound,
    plan_first_round,
    run_first_round,
)
from cryptodesk.engines.magentic.memory import with_history
from cryptodesk.engines.magentic.providers import LlmProviders
from cryptodesk.engines.magentic.run import TeamRun, running
from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.engines.magentic.team import WORKERS, Roster, run_team
from cryptodesk.engines.magentic.tools import call_tool
from cryptodesk.engines.magentic.usage import PriceTable, UsageMeter
from cryptodesk.engines.magentic.watchdog import Activity, Watchdog, WatchedSink
from cryptodesk.engines.offline.intent import Intent, parse_intent
from cryptodesk.errors import LlmError
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.service import MarketDataService
from cryptodesk.rules.phrases import is_confirmation, watch_summary
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.context import ChartStore, WatchBook
from cryptodesk.tools.invoker import ToolInvoker
from cryptodesk.tools.registry import ToolRegistry, build_registry

log = logging.getLogger(__name__)

FAST_WRITER = AgentSpec("ReportWriter", report_writer.SPEC.description, FAST_INSTRUCTIONS)

FALLBACK_ENGINE = "offline (LLM fallback)"
DEFAULT_STALL_TIMEOUT_S = 30.0


class _FallbackSink:
    """The offline analyst's events, its report labelled as a fallback with the LLM usage."""

    def __init__(self, sink: EventSink, usage: Usage) -> None:
        self._sink = sink
        self._usage = usage

    async def emit(self, event: DomainEvent) -> None:
        if isinstance(event, Report):
            labels = (*event.data_labels, "llm_fallback")
            event = replace(event, engine=FALLBACK_ENGINE, usage=self._usage, data_labels=labels)
        await self._sink.emit(event)


@dataclass(frozen=True, slots=True)
class _Answer:
    content: str
    grounding: Grounding
    bottom_line: str | None
    kind: AnswerKind


class MagenticEngine:
    def __init__(
        self,
        target: LlmTarget,
        *,
        market: MarketDataService,
        charts: ChartStore,
        fallback: Engine,
        tool_timeout_s: float,
        history_tokens: int,
        prices: PriceTable,
        budget_tokens: int | None = None,
        budget_usd: float | None = None,
        exchange: ExchangeService | None = None,
        registry: ToolRegistry | None = None,
        providers: LlmProviders | None = None,
        daily: DailyCap | None = None,
        stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S,
        parallel: bool = True,
        watch: WatchBook | None = None,
    ) -> None:
        """`parallel`: a first round for questions the planner understands; False makes every
        run plan with the manager and delegate one step at a time (the path before the first
        round, kept for providers that refuse concurrent requests and for the benchmark)."""
        self.providers = providers or LlmProviders(target)
        self._market = market
        self._charts = charts
        self._fallback = fallback
        self._tool_timeout_s = tool_timeout_s
        self._history_tokens = history_tokens
        self._prices = prices
        self._budget_tokens = budget_tokens
        self._budget_usd = budget_usd
        self._exchange = exchange
        self._watch = watch
        self._registry = registry or build_registry()
        self._daily = daily or DailyCap(None)
        self._stall_timeout_s = stall_timeout_s
        self._parallel = parallel
        self.roster = Roster(self.providers, self._registry)
        specs: dict[str, AgentSpec] = {spec.name: spec for spec in WORKERS}
        self.estimator = Estimator(target, prices, self._registry, specs)
        self.unusable: LlmError | None = None
        """Set when a probe found the model cannot do what the team needs (tool calling):
        runs then go to the offline analyst at once instead of failing mid-run."""
        self.last_llm_seconds = 0.0
        self.last_busy_seconds = 0.0
        self.last_rounds = 0
        self.last_critical_calls = 0
        self.last_by_agent: dict[str, int] = {}
        self.last_estimate: tuple[int, float | None] | None = None
        """The last run's LLM time, busy time (an LLM call or a tool in flight), rounds, calls
        on the critical path, calls per agent and estimate (benchmarks)."""

    @property
    def name(self) -> str:
        return self.providers.target.label

    @property
    def target(self) -> LlmTarget:
        return self.providers.target

    def warm(self) -> None:
        """Builds every agent of the team and the fast path now (no request is made)."""
        self.roster.team()
        self.roster.agent(FAST_WRITER, self.target.worker_model, progress=False)

    async def aclose(self) -> None:
        await self.providers.aclose()

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        activity = Activity()
        sink = WatchedSink(sink, activity)
        findings = Findings()
        findings.sources.add_text(request.question)
        meter = UsageMeter(self._prices, self._budget_tokens, self._budget_usd)
        reporter = TeamReporter(request, sink, findings, meter)
        context = ToolContext(
            self._market,
            self._charts,
            request.run_id,
            request.conversation_id,
            exchange=self._exchange,
            watch=self._watch,
        )
        if self._watch is not None and is_confirmation(request.question):
            # Only the person's own "yes" activates an alert: no model takes part in it.
            await self._fallback.run(request, sink)
            return
        invoker = ToolInvoker(self._registry, context, sink, self._tool_timeout_s)
        team = TeamRun(invoker, reporter, findings, meter, request.max_turns, activity)
        refusal = self.unusable or await self._daily.admit(meter)
        if refusal is not None:
            log.info("run %s: no LLM call (%s)", request.run_id, refusal.code)
            await self._fall_back(request, sink, reporter, meter, refusal)
            return
        watchdog = Watchdog(activity, self._stall_timeout_s, reporter.progress)
        try:
            with running(team):
                answered = await watchdog.guard(self._answer(team, request))
        except asyncio.CancelledError:
            await asyncio.shield(self._daily.record(request.run_id, self.name, meter.usage()))
            raise
        except Exception as exc:
            failure = classify(exc, self.target)
            log.warning(
                "run %s: LLM team failed (%s: %s); the offline analyst answers",
                request.run_id,
                failure.code,
                failure.logged(),
                exc_info=failure.code == "llm_team_failed",
            )
            await self._daily.record(request.run_id, self.name, meter.usage())
            await self._fall_back(request, sink, reporter, meter, failure)
            return
        await self._daily.record(request.run_id, self.name, meter.usage())
        self._measured(team)
        log.info("run %s used %s", request.run_id, meter.breakdown())
        labels = list(findings.data_labels)
        if self._market.status().mode == "replay":
            labels.append("replay")
        content = answered.content
        if findings.watch_actions:
            # What was understood, in the desk's own words, whatever the model wrote.
            content = f"{content}\n\n{watch_summary(findings.watch_actions)}"
        await sink.emit(
            Report(
                content=content,
                agents_used=tuple(findings.agents),
                charts=tuple(findings.charts),
                engine=self.name,
                usage=meter.usage(),
                data_labels=tuple(labels),
                outlook=tuple(findings.outlooks),
                answer_kind=answered.kind,
                bottom_line=answered.bottom_line,
                grounding=answered.grounding,
                watch_actions=tuple(findings.watch_actions),
            )
        )

    async def _answer(self, team: TeamRun, request: RunRequest) -> _Answer:
        intent = parse_intent(request.question, request.history)
        if is_simple_lookup(intent):
            await self._estimate(team, self.estimator.lookup(request.question))
            return await self._fast(team, request.question, intent)
        task = with_history(request.question, request.history, self._history_tokens)
        first: FirstRound | None = None
        if self._parallel:
            exchange = self._exchange.name if self._exchange is not None else "the exchange"
            first = await plan_first_round(intent, self._market, exchange)
        if first is not None:
            intent = first.intent
            await self._estimate(team, self.estimator.first_round(first.tasks, task))
        else:
            await self._estimate(team, self.estimator.team(task))
        unresolved = first.unresolved if first is not None else ()
        live = first.live if first is not None else False

        def opening() -> str | None:
            line = answer.opening_line(intent, team.findings.evidence, unresolved, live=live)
            return line.text if line is not None else None

        prepared = None
        if first is not None:
            # The workflow is built and started while the first round's calls are in flight
            # (its plan waits for the round), not after it.
            prepared = asyncio.ensure_future(run_first_round(self.roster, team, first))
            busy = asyncio.ensure_future(team.activity.busy.wait())
            await asyncio.wait({prepared, busy}, return_when=asyncio.FIRST_COMPLETED)
            busy.cancel()
        try:
            result = await run_team(self.roster, team, task, prepared=prepared, opening=opening)
        finally:
            if prepared is not None and not prepared.done():
                prepared.cancel()
                await asyncio.gather(prepared, return_exceptions=True)
        line = answer.opening_line(intent, team.findings.evidence, unresolved, live=live)
        _, writer, _ = self.roster.team()
        text = line.text if line is not None else None
        checked = await answer.checked(
            writer, result.prompt, result.report, text, team.findings.sources
        )
        kind = answer.answer_kind(line, team.findings.evidence)
        opening_text = text or _first_paragraph(checked.report)
        return _Answer(checked.report, checked.grounding, opening_text, kind)

    async def _fast(self, team: TeamRun, question: str, intent: Intent) -> _Answer:
        """One price lookup and one short ReportWriter turn."""
        coin = intent.coin_queries[0]
        team.reporter.round = 1
        await team.reporter.start(
            FAST_AGENT, f"Look up the current price of {coin}.", progress=True
        )
        _, result = await call_tool(team, FAST_AGENT, FAST_TOOL, {"coin": coin})
        await team.reporter.finish(result)
        line = answer.opening_line(intent, team.findings.evidence)
        text = line.text if line is not None else None
        writer = self.roster.agent(FAST_WRITER, self.target.worker_model, progress=False)
        prompt = fast_prompt(question, result, text)
        stream = writer.run(prompt, stream=True, session=writer.create_session())
        async for _update in stream:
            pass
        report = (await stream.get_final_response()).text
        checked = await answer.checked(writer, prompt, report, text, team.findings.sources)
        kind = answer.answer_kind(line, team.findings.evidence)
        opening_text = text or _first_paragraph(checked.report)
        return _Answer(checked.report, checked.grounding, opening_text, kind)

    async def _estimate(self, team: TeamRun, estimate: CostEstimate) -> None:
        self.last_estimate = (estimate.total_tokens, estimate.cost_usd)
        await team.reporter.progress(estimate)

    async def _fall_back(
        self,
        request: RunRequest,
        sink: EventSink,
        reporter: TeamReporter,
        meter: UsageMeter,
        failure: LlmError,
    ) -> None:
        await reporter.abort(failure.message)
        await sink.emit(
            RunError(
                failure.code,
                failure.message + " The offline analyst answers instead.",
                failure.details,
                recoverable=True,
            )
        )
        await self._fallback.run(request, _FallbackSink(sink, meter.usage()))

    def _measured(self, team: TeamRun) -> None:
        meter = team.meter
        self.last_llm_seconds = meter.llm_seconds
        self.last_busy_seconds = team.activity.busy_s
        self.last_rounds = team.reporter.round
        self.last_critical_calls = meter.critical_calls
        self.last_by_agent = {name: usage.calls for name, usage in meter.agents.items()}


def _first_paragraph(report: str) -> str | None:
    """The writer's own opening line, when no bottom line could be computed."""
    for block in report.strip().split("\n\n"):
        text = block.strip()
        if text and not text.startswith(("#", ">", "|", "-", "*")):
            return " ".join(text.split())
    return None
