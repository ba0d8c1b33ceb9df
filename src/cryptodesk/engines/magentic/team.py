"""The team: agents shared by every run, and per run a manager and a fresh Magentic workflow
(a workflow is stateful and serves one run only, pitfall 5)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agent_framework import Agent
from agent_framework.orchestrations import MagenticBuilder

from cryptodesk.engines.magentic import (
    charting_agent,
    exchange_analyst,
    market_analyst,
    orchestrator,
    report_writer,
    technical_analyst,
)
from cryptodesk.engines.magentic.agentspec import AgentSpec
from cryptodesk.engines.magentic.manager import DeskManager, PreparedLedger
from cryptodesk.engines.magentic.middleware import LlmCallMiddleware, TurnMiddleware
from cryptodesk.engines.magentic.providers import LlmProviders
from cryptodesk.engines.magentic.run import TeamRun
from cryptodesk.engines.magentic.tools import function_tools
from cryptodesk.tools.registry import ToolRegistry

WORKERS: tuple[AgentSpec, ...] = (
    market_analyst.SPEC,
    technical_analyst.SPEC,
    charting_agent.SPEC,
    exchange_analyst.SPEC,
)
TERMINATED = "Workflow terminated due to reaching maximum"
MAX_STALLS = 2
MAX_RESETS = 2


class Roster:
    """The team's agents, built once per engine and shared by all its runs.

    An agent holds no run state: the workflow gives each run fresh sessions (pitfall 5), and the
    agents' middleware and tools report to `current_run()`. Building the agents and their tools'
    schemas once takes ~1 ms off every run.
    """

    def __init__(self, providers: LlmProviders, registry: ToolRegistry) -> None:
        self.providers = providers
        self.registry = registry
        self._agents: dict[tuple[AgentSpec, str, bool, bool, bool], Agent[Any]] = {}
        self._team: tuple[Agent[Any], Agent[Any], list[Agent[Any]]] | None = None

    def __len__(self) -> int:
        """How many agents are built."""
        return len(self._agents)

    def agent(
        self,
        spec: AgentSpec,
        model: str,
        *,
        turns: bool = True,
        progress: bool = True,
        json_ledger: bool = False,
    ) -> Agent[Any]:
        key = (spec, model, turns, progress, json_ledger)
        agent = self._agents.get(key)
        if agent is None:
            agent = self._agents[key] = self._build(spec, model, turns, progress, json_ledger)
        return agent

    def team(self) -> tuple[Agent[Any], Agent[Any], list[Agent[Any]]]:
        """The Orchestrator's agent, the ReportWriter and the workers of the full team."""
        if self._team is None:
            self._team = self._build_team()
        return self._team

    def _build_team(self) -> tuple[Agent[Any], Agent[Any], list[Agent[Any]]]:
        target = self.providers.target
        manager = self.agent(
            orchestrator.SPEC,
            target.orchestrator_model,
            turns=False,
            json_ledger=target.supports_json_mode,
        )
        writer = self.agent(report_writer.SPEC, target.worker_model, progress=False)
        workers = [self.agent(spec, target.worker_model) for spec in WORKERS]
        return manager, writer, workers

    def _build(
        self, spec: AgentSpec, model: str, turns: bool, progress: bool, json_ledger: bool
    ) -> Agent[Any]:
        middleware: list[Any] = [LlmCallMiddleware(spec.name, model, json_ledger=json_ledger)]
        if turns:
            middleware.insert(0, TurnMiddleware(progress=progress))
        tools = function_tools(spec.name, spec.tools, self.registry)
        return Agent(
            client=self.providers.chat_client(model),
            name=spec.name,
            description=spec.description,
            instructions=spec.instructions,
            tools=tools or None,
            middleware=middleware,
        )


@dataclass(frozen=True, slots=True)
class TeamAnswer:
    report: str
    prompt: str | None
    """What the ReportWriter was asked (None: the report is the framework's own answer)."""


async def run_team(
    roster: Roster,
    run: TeamRun,
    task: str,
    *,
    prepared: Awaitable[PreparedLedger] | None = None,
    opening: Callable[[], str | None] = lambda: None,
) -> TeamAnswer:
    """Runs the Magentic team on `task` for `run` (the current run); returns the report.

    `prepared`: the task ledger of a first round (no planning calls), awaited when the
    workflow wants its plan: the workflow is built and started while the round runs.
    `opening()`: the bottom line the report opens with, computed when it is written.
    """
    manager_agent, writer, workers = roster.team()
    manager = DeskManager(
        manager_agent,
        report_writer=writer,
        reporter=run.reporter,
        findings=run.findings,
        meter=run.meter,
        max_rounds=run.max_rounds,
        max_stalls=MAX_STALLS,
        max_resets=MAX_RESETS,
        prepared=prepared,
        opening=opening,
    )
    # Worker outputs stay hidden (no `intermediate_output_from`): their text, tool calls and steps
    # are reported by the agents' middleware and tools as they happen, so a workflow event per
    # streamed update would only be copied and dropped.
    workflow = MagenticBuilder(participants=workers, manager=manager).build()
    final: str | None = None
    stream = workflow.run(task, stream=True)
    try:
        async for event in stream:
            if event.type == "output" and event.executor_id == "magentic_orchestrator":
                final = str(getattr(event.data, "text", "") or "")
                # The answer is in; what the workflow would still do (copy the last worker's
                # messages to the others, close its supersteps) serves no one.
                break
    finally:
        await stream.close()
    if final is None or not final.strip():
        final = manager.final_text
    if final is None or final.startswith(TERMINATED):
        # The framework's own limit ended the run with its fixed sentence (pitfall 6).
        final = await manager.write_report(task, manager.stop_reason or "round_limit")
    return TeamAnswer(final, manager.report_prompt)
