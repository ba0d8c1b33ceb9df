"""Agent Framework middleware: worker turns as agent steps; usage, liveness and JSON mode per
LLM call.

The middleware belongs to agents shared by every run of an engine; the run it reports to is
`current_run()`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from typing import Any

from agent_framework import (
    AgentContext,
    AgentMiddleware,
    AgentResponse,
    AgentResponseUpdate,
    ChatContext,
    ChatMiddleware,
    ChatResponse,
    ChatResponseUpdate,
)

from cryptodesk.engines.magentic.run import current_run
from cryptodesk.engines.magentic.usage import UsageMeter

LEDGER_MARKER = "pure JSON format"
"""Words of Magentic's progress-ledger prompt: the one call that must answer in JSON."""

Next = Callable[[], Awaitable[None]]


class TurnMiddleware(AgentMiddleware):
    """Reports one agent turn: a working step (its instruction), text deltas, a completed step.

    What the rest of the team sees of the turn is its final answer only (`shared_part`): its
    tool calls and results went out as tool frames and are kept as evidence for the report.
    """

    def __init__(self, *, progress: bool = True) -> None:
        self._progress = progress

    async def process(self, context: AgentContext, call_next: Next) -> None:
        run = current_run()
        reporter = run.reporter
        name = context.agent.name or "agent"
        instruction = context.messages[-1].text if context.messages else ""
        await reporter.start(name, run.describe(instruction), progress=self._progress)

        async def on_update(update: AgentResponseUpdate) -> AgentResponseUpdate:
            for content in update.contents:
                if content.type == "text" and content.text:
                    await reporter.delta(content.text)
            return update

        async def on_result(response: AgentResponse[Any]) -> AgentResponse[Any]:
            await done(response.text)
            return shared_part(response)

        async def done(text: str) -> None:
            if name != "ReportWriter":
                run.findings.note(name, text)
            await reporter.finish(text)

        if context.stream:
            context.stream_update_transforms = [*context.stream_update_transforms, on_update]
            context.stream_result_transforms = [*context.stream_result_transforms, on_result]
            await call_next()
        else:
            await call_next()
            result = context.result
            if isinstance(result, AgentResponse):
                await done(result.text)
                context.result = shared_part(result)
            else:
                await done("")


def shared_part(response: AgentResponse[Any]) -> AgentResponse[Any]:
    """A worker's turn as the manager and the other workers see it: its final answer.

    As in AutoGen's Magentic-One group chat, an agent's tool calls are its inner messages; the
    group thread gets its response. The manager's ledgers, and every copy the workflow makes of
    the thread, then carry a few sentences per turn instead of every tool payload.
    """
    answers = [m for m in response.messages if m.role == "assistant" and m.text.strip()]
    if not answers or len(answers) == len(response.messages):
        return response
    shared = copy.copy(response)
    shared.messages = answers[-1:]
    return shared


class LlmCallMiddleware(ChatMiddleware):
    """Meters every LLM call of one agent and reports the spend so far (the live meter); feeds
    the stall watchdog with every streamed chunk; asks for JSON on the progress-ledger call."""

    def __init__(self, agent: str, model: str, *, json_ledger: bool = False) -> None:
        self._agent = agent
        self._model = model
        self._json_ledger = json_ledger

    async def process(self, context: ChatContext, call_next: Next) -> None:
        if self._json_ledger and context.messages and LEDGER_MARKER in context.messages[-1].text:
            context.options = {
                **(context.options or {}),
                "response_format": {"type": "json_object"},
            }
        run = current_run()
        activity = run.activity
        started = time.perf_counter()
        activity.enter()
        if context.stream:

            def on_update(update: ChatResponseUpdate) -> ChatResponseUpdate:
                activity.touch()
                return update

            async def on_result(response: ChatResponse[Any]) -> None:
                activity.leave()
                self._record(run.meter, response, started)
                await run.reporter.progress()

            context.stream_update_transforms = [*context.stream_update_transforms, on_update]
            context.stream_result_transforms = [*context.stream_result_transforms, on_result]
            await call_next()
        else:
            try:
                await call_next()
            finally:
                activity.leave()
            if isinstance(context.result, ChatResponse):
                self._record(run.meter, context.result, started)
                await run.reporter.progress()

    def _record(self, meter: UsageMeter, response: ChatResponse[Any], started: float) -> None:
        ended = time.perf_counter()
        meter.llm_seconds += ended - started
        meter.calls_timed.append((started, ended))
        usage = response.usage_details or {}
        meter.record(
            self._agent,
            self._model,
            int(usage.get("input_token_count") or 0),
            int(usage.get("output_token_count") or 0),
        )
