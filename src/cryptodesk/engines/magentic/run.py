"""The state of one team run, and how the shared agents find it.

The team's agents are built once per engine and serve every run (see `team.Roster`); what
belongs to one run (its event reporter, findings, usage meter and tool invoker) lives here and
is found by the agents' middleware and tools through a context variable. Each run executes in
its own asyncio task, and the tasks the workflow starts inherit that task's context, so two
concurrent runs never see each other's state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from cryptodesk.engines.magentic.events import TeamReporter
from cryptodesk.engines.magentic.evidence import Findings
from cryptodesk.engines.magentic.fastpath import FAST_HEADING
from cryptodesk.engines.magentic.report_writer import REPAIR_HEADING, REPORT_HEADING
from cryptodesk.engines.magentic.usage import UsageMeter
from cryptodesk.engines.magentic.watchdog import Activity
from cryptodesk.tools.invoker import ToolInvoker

GATHERED = "The data is already gathered"
"""Words of a data specialist's instruction in the first round (`firstround`)."""


@dataclass(eq=False)
class TeamRun:
    """Everything one run's agents share."""

    invoker: ToolInvoker
    reporter: TeamReporter
    findings: Findings
    meter: UsageMeter
    max_rounds: int
    activity: Activity = field(default_factory=Activity)
    """When the LLM and the tools last showed life (the stall watchdog, the benchmark)."""

    def describe(self, instruction: str) -> str:
        """The message of an agent step: the manager's instruction, or what the writer does."""
        if instruction.startswith(REPORT_HEADING):
            count = len(self.findings.evidence)
            return f"Writing the report from {count} tool result{'s' if count != 1 else ''}."
        if instruction.startswith(FAST_HEADING):
            return "Answering from the price lookup."
        if instruction.startswith(REPAIR_HEADING):
            return "Fixing the figures of the report that no tool result holds."
        if GATHERED in instruction:
            task = instruction.split(GATHERED, 1)[0].strip()
            return f"{task} Reading the tool results gathered for it."
        return instruction


_CURRENT: ContextVar[TeamRun] = ContextVar("cryptodesk_team_run")


def current_run() -> TeamRun:
    """The run the calling agent works for; a LookupError outside `running()` is a bug."""
    return _CURRENT.get()


@contextmanager
def running(run: TeamRun) -> Iterator[TeamRun]:
    token = _CURRENT.set(run)
    try:
        yield run
    finally:
        _CURRENT.reset(token)
