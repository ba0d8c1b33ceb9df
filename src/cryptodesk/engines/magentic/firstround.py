"""The first round: the data every plan needs gathered at once, and specialists at work together.

For a question the planner understands (known coins, a kind of question it plans for), the run
does not wait for the manager's facts and plan calls: the offline analyst's planner gives the
tasks. Every data call of the market and technical tasks (prices, candles, indicators, levels,
patterns and the outlook of the named coins) runs at once through the tools, under the agent the
plan gives it, and each specialist then reads its own data in one LLM turn, while the
ChartingAgent and the ExchangeAnalyst call their tools themselves, all at the same time. The
Magentic manager starts from a task ledger of what the round found and judges with its progress
ledger whether the request is satisfied or who should do what next.

Questions the planner does not settle (no coin, unknown coins, history, news) go to the
manager's own planning, as before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cryptodesk.engines.magentic import (
    charting_agent,
    exchange_analyst,
    market_analyst,
    technical_analyst,
)
from cryptodesk.engines.magentic.agentspec import AgentSpec
from cryptodesk.engines.magentic.events import lane
from cryptodesk.engines.magentic.manager import PreparedLedger
from cryptodesk.engines.magentic.run import GATHERED, TeamRun
from cryptodesk.engines.magentic.team import Roster
from cryptodesk.engines.magentic.tools import call_tool
from cryptodesk.engines.offline.intent import Intent
from cryptodesk.engines.offline.plan import AgentTask, PlannedCall, plan
from cryptodesk.engines.offline.resolve import Unresolved, resolve
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.invoker import ToolOutcome

_SPECS: dict[str, AgentSpec] = {
    spec.name: spec
    for spec in (
        market_analyst.SPEC,
        technical_analyst.SPEC,
        charting_agent.SPEC,
        exchange_analyst.SPEC,
    )
}
DATA_AGENTS = frozenset({"CryptoMarketAnalyst", "TechnicalAnalyst"})
"""Agents whose calls the round makes for them (the data every plan needs)."""


@dataclass(frozen=True, slots=True)
class FirstRound:
    intent: Intent
    unresolved: tuple[Unresolved, ...]
    tasks: tuple[AgentTask, ...]
    live: bool
    """The market data is live (other quote currencies and the overview exist)."""

    def describe(self) -> str:
        agents = list(dict.fromkeys(task.agent for task in self.tasks))
        return f"Plan: {', '.join(agents)} at the same time, then ReportWriter."


async def plan_first_round(
    intent: Intent, market: MarketDataService, exchange: str
) -> FirstRound | None:
    """The round for `intent`, or None when the manager should plan (see the module)."""
    if intent.history is not None or intent.news or not (intent.coin_queries or intent.overview):
        return None
    unavailable = market.directory_unavailable("a market overview")
    resolved, unresolved = await resolve(intent, market, live=unavailable is None)
    if resolved.needs_coin or unresolved:
        return None
    tasks = plan(
        resolved, market.available_coins(), directory=unavailable is None, exchange=exchange
    )
    if not tasks:
        return None
    return FirstRound(resolved, unresolved, tasks, live=unavailable is None)


async def run_first_round(roster: Roster, run: TeamRun, first: FirstRound) -> PreparedLedger:
    """Every task at once, each in a lane of its own; the task ledger of what they found."""
    reporter = run.reporter
    reporter.round = 1
    await reporter.start("Orchestrator", "Planning the analysis.")
    await reporter.finish(first.describe())
    try:
        # A task group: when one specialist's LLM fails, the others stop too (no call goes on
        # after the run fell back to the offline analyst).
        async with asyncio.TaskGroup() as group:
            lanes = [
                group.create_task(_work(roster, run, index, task))
                for index, task in enumerate(first.tasks)
            ]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0]  # noqa: B904 - the failure itself, with its own causes
    answers = [lane.result() for lane in lanes]
    facts = "\n".join(
        [
            "1. GIVEN OR VERIFIED FACTS (the first round's results, from the tools)",
            *(f"- {answer}" for answer in answers),
        ]
    )
    steps = "\n".join(f"- {task.agent}: {task.instruction} (done)" for task in first.tasks)
    return PreparedLedger(
        facts=facts,
        plan=steps + "\n- Then, unless something above failed or is missing, the request is "
        "satisfied and the ReportWriter writes the report from the tool results.",
    )


async def _work(roster: Roster, run: TeamRun, index: int, task: AgentTask) -> str:
    """One task: the data calls, then the specialist's turn; returns its answer."""
    with lane(f"{task.agent}-{index}"):
        if task.agent in DATA_AGENTS:
            outcomes = await _gather(run, task)
            instruction = _reading(task, outcomes)
        else:
            calls = "; ".join(_call_text(call) for call in task.calls)
            instruction = f"{task.instruction} Call {calls}."
            # The other lanes' tool calls start first: preparing this agent's request then
            # happens while they are in flight.
            await asyncio.sleep(0)
        agent = roster.agent(_SPECS[task.agent], roster.providers.target.worker_model)
        stream = agent.run(instruction, stream=True, session=agent.create_session())
        async for _update in stream:
            pass
        response = await stream.get_final_response()
        return f"{task.agent}: {' '.join(response.text.split())}"


async def _gather(run: TeamRun, task: AgentTask) -> list[ToolOutcome]:
    reporter = run.reporter
    await reporter.start(task.agent, task.instruction)
    outcomes = await _calls(run, task.agent, task.calls)
    if task.fallback is not None and outcomes and not outcomes[0].success:
        outcomes += await _calls(run, task.agent, task.fallback.calls)
    failed = sum(1 for outcome in outcomes if not outcome.success)
    done = f"{len(outcomes) - failed} of {len(outcomes)} calls answered"
    await reporter.finish(done + (f"; {failed} failed" if failed else "."))
    return outcomes


async def _calls(run: TeamRun, agent: str, calls: Sequence[PlannedCall]) -> list[ToolOutcome]:
    done = await asyncio.gather(*(call_tool(run, agent, c.tool, c.arguments) for c in calls))
    return [outcome for outcome, _ in done]


def _reading(task: AgentTask, outcomes: Sequence[ToolOutcome]) -> str:
    results = [
        f"[{o.tool_name}] {o.preview if o.success else 'FAILED: ' + (o.error or 'failed')}"
        for o in outcomes
    ]
    return "\n".join(
        [
            f"{task.instruction} {GATHERED} (tool results below): read it and report what it "
            "shows, copying the numbers exactly and naming the tool of each. Call a tool only "
            "for something these results lack.",
            *results,
        ]
    )


def _call_text(call: PlannedCall) -> str:
    return f"{call.tool} with {json.dumps(call.arguments, separators=(', ', ': '))}"
