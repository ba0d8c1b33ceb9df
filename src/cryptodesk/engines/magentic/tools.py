"""Registry tools as Agent Framework function tools, each call made through the `ToolInvoker`.

The invoker emits the `tool_call`/`tool_result` events (with `call_id`), validates arguments,
applies the tool timeout and lets a cancel through, exactly as for the offline analyst. The
model gets the tool's compact preview (or the error) as the function's result. The function
tools are built once per agent and call through the invoker of `current_run()`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from cryptodesk.domain.events import ChartCreated
from cryptodesk.engines.magentic.evidence import Evidence, Findings
from cryptodesk.engines.magentic.run import TeamRun, current_run
from cryptodesk.tools.invoker import ToolOutcome
from cryptodesk.tools.outlook import OutlookResult
from cryptodesk.tools.registry import ToolRegistry
from cryptodesk.tools.watch import WatchResult

if TYPE_CHECKING:
    from agent_framework import FunctionTool


def record_outcome(
    findings: Findings, agent: str, arguments: Mapping[str, object], outcome: ToolOutcome
) -> str:
    """Keeps the outcome as evidence for the report; returns what the model sees."""
    result = outcome.result
    findings.evidence.append(
        Evidence(
            agent,
            outcome.tool_name,
            dict(arguments),
            outcome.success,
            outcome.preview,
            result,
            outcome.error,
        )
    )
    findings.sources.add_arguments(arguments)
    if result is not None:
        findings.sources.add_result(result)
        if result.simulated and "simulated" not in findings.data_labels:
            findings.data_labels.append("simulated")
        findings.charts += [e.chart_id for e in result.events() if isinstance(e, ChartCreated)]
        if isinstance(result, OutlookResult):
            findings.add_outlook(result.outlook)
        if isinstance(result, WatchResult):
            findings.watch_actions += result.actions
    return outcome.preview if outcome.success else f"error: {outcome.error}"


async def call_tool(
    run: TeamRun, agent: str, tool_name: str, arguments: Mapping[str, object]
) -> tuple[ToolOutcome, str]:
    """One tool call of `run` through its invoker (tool frames as usual), kept as evidence;
    the outcome and what the model sees."""
    run.activity.enter(tool=True)
    try:
        outcome = await run.invoker.call(agent, tool_name, arguments)
    finally:
        run.activity.leave(tool=True)
    return outcome, record_outcome(run.findings, agent, arguments, outcome)


def function_tools(agent: str, names: Sequence[str], registry: ToolRegistry) -> list[FunctionTool]:
    from agent_framework import FunctionTool

    def bind(tool_name: str) -> Callable[..., Awaitable[str]]:
        async def call(**arguments: object) -> str:
            run = current_run()
            await run.reporter.flush()  # streamed text so far goes out before the tool_call frame
            _, seen = await call_tool(run, agent, tool_name, arguments)
            return seen

        return call

    return [
        FunctionTool(
            name=name,
            description=registry.get(name).description,
            func=bind(name),
            input_model=registry.get(name).args_schema(),
        )
        for name in names
        if name in registry.names()
    ]
