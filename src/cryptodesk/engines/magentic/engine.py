"""The `magentic` engine: the LLM team, its fast path, and the offline analyst as fallback."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from cryptodesk.domain.events import DomainEvent, EventSink, Report, RunError, Usage
from cryptodesk.engines.base import Engine, RunRequest
from cryptodesk.engines.magentic import report_writer
from cryptodesk.engines.magentic.agentspec import AgentSpec
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
from cryptodesk.engines.magentic.memory import with_history
from cryptodesk.engines.magentic.providers import LlmProviders
from cryptodesk.engines.magentic.run import TeamRun, running
from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.engines.magentic.team import Roster, run_team
from cryptodesk.engines.magentic.tools import record_outcome
from cryptodesk.engines.magentic.usage import PriceTable, UsageMeter
from cryptodesk.engines.offline.intent import parse_intent
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.context import ChartStore, WatchBook
from cryptodesk.tools.invoker import ToolInvoker
from cryptodesk.tools.registry import ToolRegistry, build_registry
from cryptodesk.watch.phrases import is_confirmation, watch_summary

log = logging.getLogger(__name__)

FAST_WRITER = AgentSpec("ReportWriter", report_writer.SPEC.description, FAST_INSTRUCTIONS)

FALLBACK_ENGINE = "offline (LLM fallback)"


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
        watch: WatchBook | None = None,
    ) -> None:
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
        self.roster = Roster(self.providers, self._registry)
        self.last_llm_seconds = 0.0
        self.last_rounds = 0
        self.last_by_agent: dict[str, int] = {}
        """The last run's time in LLM calls, rounds and calls per agent (benchmarks)."""

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
        findings = Findings()
        reporter = TeamReporter(request, sink, findings)
        meter = UsageMeter(self._prices, self._budget_tokens, self._budget_usd)
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
        team = TeamRun(invoker, reporter, findings, meter, request.max_turns)
        try:
            intent = parse_intent(request.question, request.history)
            with running(team):
                if is_simple_lookup(intent):
                    content = await self._fast(team, request.question, intent.coin_queries[0])
                else:
                    task = with_history(request.question, request.history, self._history_tokens)
                    content = await run_team(self.roster, team, task)
        except asyncio.CancelledError:
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
            return
        self.last_llm_seconds = meter.llm_seconds
        self.last_rounds = reporter.round
        self.last_by_agent = {name: usage.calls for name, usage in meter.agents.items()}
        log.info("run %s used %s", request.run_id, meter.breakdown())
        labels = list(findings.data_labels)
        if self._market.status().mode == "replay":
            labels.append("replay")
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
                answer_kind=findings.answer_kind(),
                watch_actions=tuple(findings.watch_actions),
            )
        )

    async def _fast(self, team: TeamRun, question: str, coin: str) -> str:
        """One price lookup and one short ReportWriter turn."""
        team.reporter.round = 1
        await team.reporter.start(
            FAST_AGENT, f"Look up the current price of {coin}.", progress=True
        )
        arguments = {"coin": coin}
        outcome = await team.invoker.call(FAST_AGENT, FAST_TOOL, arguments)
        result = record_outcome(team.findings, FAST_AGENT, arguments, outcome)
        await team.reporter.finish(result)
        writer = self.roster.agent(FAST_WRITER, self.target.worker_model, progress=False)
        stream = writer.run(fast_prompt(question, result), stream=True)
        async for _update in stream:
            pass
        return (await stream.get_final_response()).text
