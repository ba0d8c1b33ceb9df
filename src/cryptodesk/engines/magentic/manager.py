"""The Magentic manager of a run: plans as Orchestrator steps, the budget, the round limit and
a final report written by the ReportWriter from the tool results.

It stops delegating when the run's budget is used up (`budget_exceeded`, recoverable) or when the
round limit is reached, and in both cases asks for a written summary of what was found instead
of the framework's fixed "Workflow terminated ..." sentence.

After a first round (`firstround`) the plan and the facts are already known: the manager takes
them as its task ledger without asking the model, and its progress ledger judges what the first
round found. Its calls stream, so the stall watchdog sees a slow model's tokens arrive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from agent_framework import Agent, Message
from agent_framework.orchestrations import (
    MAGENTIC_MANAGER_NAME,
    MagenticContext,
    MagenticProgressLedger,
    MagenticProgressLedgerItem,
    StandardMagenticManager,
)

# Not exported; the ledger type `replan()` reads the old facts from (pinned framework version).
from agent_framework_orchestrations._magentic import _MagenticTaskLedger

from cryptodesk.domain.events import RunError
from cryptodesk.engines.magentic.events import TeamReporter
from cryptodesk.engines.magentic.evidence import Findings
from cryptodesk.engines.magentic.report_writer import report_prompt
from cryptodesk.engines.magentic.usage import UsageMeter

StopReason = Literal["budget", "round_limit", "reset_limit"]


@dataclass(frozen=True, slots=True)
class PreparedLedger:
    """The task ledger of a run whose first round already ran: what it found, what is left."""

    facts: str
    plan: str


class DeskManager(StandardMagenticManager):
    def __init__(
        self,
        agent: Agent[Any],
        *,
        report_writer: Agent[Any],
        reporter: TeamReporter,
        findings: Findings,
        meter: UsageMeter,
        max_rounds: int,
        max_stalls: int,
        max_resets: int,
        prepared: Awaitable[PreparedLedger] | None = None,
        opening: Callable[[], str | None] = lambda: None,
    ) -> None:
        """`prepared`: the first round's task ledger, awaited when the workflow asks for its
        plan (the workflow starts while the first round still runs); `opening()`: the bottom
        line the report opens with, computed when the report is written (None when none can
        be)."""
        # One round and one reset more than ours: the framework's own limits end a run with a
        # fixed sentence, ours end it with the ReportWriter's summary (see create_progress_ledger).
        super().__init__(
            agent,
            max_stall_count=max_stalls,
            max_reset_count=max_resets + 1,
            max_round_count=max_rounds + 1,
        )
        self._manager_agent = agent
        self._prepared = prepared
        self._opening = opening
        self.report_prompt: str | None = None
        """What the ReportWriter was asked (the repair round continues from it)."""
        self._report_writer = report_writer
        self._reporter = reporter
        self._findings = findings
        self._meter = meter
        self._max_rounds = max_rounds
        self._max_resets = max_resets
        self.stop_reason: StopReason | None = None
        self.final_text: str | None = None
        self._last_context: MagenticContext | None = None

    async def plan(self, magentic_context: MagenticContext) -> Message:
        if self._prepared is not None:
            return self._prepared_plan(magentic_context, await self._prepared)
        await self._reporter.start("Orchestrator", "Planning the analysis.")
        message = await super().plan(magentic_context)
        await self._reporter.finish(self._plan_text(message))
        return message

    async def replan(self, magentic_context: MagenticContext) -> Message:
        await self._reporter.start("Orchestrator", "Re-planning: the team was not making progress.")
        message = await super().replan(magentic_context)
        await self._reporter.finish("New plan: " + self._plan_text(message))
        return message

    def _prepared_plan(self, context: MagenticContext, prepared: PreparedLedger) -> Message:
        facts = Message(role="assistant", contents=[prepared.facts])
        plan = Message(role="assistant", contents=[prepared.plan])
        self.task_ledger = _MagenticTaskLedger(facts=facts, plan=plan)
        team = "\n".join(f"- {n}: {d}" for n, d in context.participant_descriptions.items())
        ledger = self.task_ledger_full_prompt.format(
            task=context.task, team=team, facts=prepared.facts, plan=prepared.plan
        )
        return Message(role="assistant", contents=[ledger], author_name=MAGENTIC_MANAGER_NAME)

    async def _complete(self, messages: list[Message]) -> Message:
        """The manager's calls, streamed: tokens reach the stall watchdog as they arrive (the
        framework's own `_complete` waits for the whole answer)."""
        agent = self._manager_agent
        stream = agent.run(messages, stream=True, session=agent.create_session())
        async for _update in stream:
            pass
        response = await stream.get_final_response()
        if not response.messages:
            raise RuntimeError("the manager's model returned no message")
        return response.messages[-1]

    def _plan_text(self, message: Message) -> str:
        ledger = self.task_ledger
        return ledger.plan.text if ledger is not None else message.text

    async def create_progress_ledger(
        self, magentic_context: MagenticContext
    ) -> MagenticProgressLedger:
        self._reporter.round += 1  # the orchestrator's round index, which this call starts
        self._last_context = magentic_context
        spent = self._meter.over_budget()
        if spent is not None:
            self.stop_reason = "budget"
            await self._reporter.emit(
                RunError(
                    "budget_exceeded",
                    f"The run's LLM budget is used up ({spent}); the team stops delegating and "
                    "summarises what it found.",
                    recoverable=True,
                )
            )
            return _finished(f"budget reached: {spent}")
        if self._reporter.round > self._max_rounds:
            self.stop_reason = "round_limit"
            return _finished(f"round limit of {self._max_rounds} reached")
        if magentic_context.reset_count >= self._max_resets:
            self.stop_reason = "reset_limit"
            return _finished("no progress after re-planning")
        return await super().create_progress_ledger(magentic_context)

    async def prepare_final_answer(self, magentic_context: MagenticContext) -> Message:
        text = await self.write_report(magentic_context.task)
        return Message(role="assistant", contents=[text], author_name="ReportWriter")

    async def write_report(self, task: str, stop_reason: StopReason | None = None) -> str:
        """The ReportWriter's report (streamed as its agent step) from the tool results."""
        reason = stop_reason or self.stop_reason
        findings = self._findings
        prompt = report_prompt(task, findings.evidence, findings.notes, reason, self._opening())
        self.report_prompt = prompt
        writer = self._report_writer
        stream = writer.run(prompt, stream=True, session=writer.create_session())
        async for _update in stream:
            pass
        response = await stream.get_final_response()
        self.final_text = response.text
        return response.text

    @property
    def task(self) -> str | None:
        return self._last_context.task if self._last_context else None


def _finished(reason: str) -> MagenticProgressLedger:
    def item(answer: bool | str) -> MagenticProgressLedgerItem:
        return MagenticProgressLedgerItem(reason=reason, answer=answer)

    return MagenticProgressLedger(
        is_request_satisfied=item(True),
        is_in_loop=item(False),
        is_progress_being_made=item(True),
        next_speaker=item(""),
        instruction_or_question=item(""),
    )
