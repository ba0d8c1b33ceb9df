"""The team of one run: agents, the manager and a fresh Magentic workflow (a workflow is
stateful and serves one run only, pitfall 5)."""

from __future__ import annotations

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
from cryptodesk.engines.magentic.events import TeamReporter
from cryptodesk.engines.magentic.evidence import Findings
from cryptodesk.engines.magentic.fastpath import FAST_HEADING
from cryptodesk.engines.magentic.manager import DeskManager
from cryptodesk.engines.magentic.middleware import LlmCallMiddleware, TurnMiddleware
from cryptodesk.engines.magentic.providers import LlmProviders
from cryptodesk.engines.magentic.report_writer import REPORT_HEADING
from cryptodesk.engines.magentic.tools import function_tools
from cryptodesk.engines.magentic.usage import UsageMeter
from cryptodesk.tools.invoker import ToolInvoker
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


@dataclass(eq=False)
class TeamRun:
    """Everything one run's agents share."""

    providers: LlmProviders
    registry: ToolRegistry
    invoker: ToolInvoker
    reporter: TeamReporter
    findings: Findings
    meter: UsageMeter
    max_rounds: int

    def agent(
        self,
        spec: AgentSpec,
        model: str,
        *,
        turns: bool = True,
        progress: bool = True,
        json_ledger: bool = False,
    ) -> Agent[Any]:
        middleware: list[Any] = [
            LlmCallMiddleware(spec.name, model, self.meter, json_ledger=json_ledger)
        ]
        if turns:
            turn = TurnMiddleware(
                self.reporter, self.findings, progress=progress, step_message=self._describe
            )
            middleware.insert(0, turn)
        tools = function_tools(
            spec.name, spec.tools, self.registry, self.invoker, self.findings, self.reporter.flush
        )
        return Agent(
            client=self.providers.chat_client(model),
            name=spec.name,
            description=spec.description,
            instructions=spec.instructions,
            tools=tools or None,
            middleware=middleware,
        )

    def _describe(self, instruction: str) -> str:
        if instruction.startswith(REPORT_HEADING):
            count = len(self.findings.evidence)
            return f"Writing the report from {count} tool result{'s' if count != 1 else ''}."
        if instruction.startswith(FAST_HEADING):
            return "Answering from the price lookup."
        return instruction


async def run_team(run: TeamRun, task: str) -> str:
    """Runs the Magentic team on `task`; returns the final report's markdown."""
    target = run.providers.target
    report_writer_agent = run.agent(report_writer.SPEC, target.worker_model, progress=False)
    manager = DeskManager(
        run.agent(
            orchestrator.SPEC,
            target.orchestrator_model,
            turns=False,
            json_ledger=target.supports_json_mode,
        ),
        report_writer=report_writer_agent,
        reporter=run.reporter,
        findings=run.findings,
        meter=run.meter,
        max_rounds=run.max_rounds,
        max_stalls=MAX_STALLS,
        max_resets=MAX_RESETS,
    )
    workers = [run.agent(spec, target.worker_model) for spec in WORKERS]
    workflow = MagenticBuilder(
        participants=workers, manager=manager, intermediate_output_from="all"
    ).build()
    final: str | None = None
    async for event in workflow.run(task, stream=True):
        if event.type == "output" and event.executor_id == "magentic_orchestrator":
            final = str(getattr(event.data, "text", "") or "")
    if final is None or not final.strip():
        final = manager.final_text
    if final is None or final.startswith(TERMINATED):
        # The framework's own limit ended the run with its fixed sentence (pitfall 6).
        final = await manager.write_report(task, manager.stop_reason or "round_limit")
    return final
