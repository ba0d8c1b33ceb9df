"""Agent Framework middleware: worker turns as agent steps, usage and JSON mode per LLM call."""

from __future__ import annotations

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
)

from cryptodesk.engines.magentic.events import TeamReporter
from cryptodesk.engines.magentic.evidence import Findings
from cryptodesk.engines.magentic.usage import UsageMeter

LEDGER_MARKER = "pure JSON format"
"""Words of Magentic's progress-ledger prompt: the one call that must answer in JSON."""

Next = Callable[[], Awaitable[None]]


class TurnMiddleware(AgentMiddleware):
    """Reports one agent turn: a working step (its instruction), text deltas, a completed step."""

    def __init__(
        self,
        reporter: TeamReporter,
        findings: Findings,
        *,
        progress: bool = True,
        step_message: Callable[[str], str] | None = None,
    ) -> None:
        self._reporter = reporter
        self._findings = findings
        self._progress = progress
        self._step_message = step_message

    async def process(self, context: AgentContext, call_next: Next) -> None:
        name = context.agent.name or "agent"
        instruction = context.messages[-1].text if context.messages else ""
        if self._step_message is not None:
            instruction = self._step_message(instruction)
        await self._reporter.start(name, instruction, progress=self._progress)

        async def on_update(update: AgentResponseUpdate) -> AgentResponseUpdate:
            for content in update.contents:
                if content.type == "text" and content.text:
                    await self._reporter.delta(content.text)
            return update

        async def on_result(response: AgentResponse[Any]) -> None:
            await self._done(name, response.text)

        if context.stream:
            context.stream_update_transforms = [*context.stream_update_transforms, on_update]
            context.stream_result_transforms = [*context.stream_result_transforms, on_result]
            await call_next()
        else:
            await call_next()
            result = context.result
            await self._done(name, result.text if isinstance(result, AgentResponse) else "")

    async def _done(self, name: str, text: str) -> None:
        if name != "ReportWriter":
            self._findings.note(name, text)
        await self._reporter.finish(text)


class LlmCallMiddleware(ChatMiddleware):
    """Meters every LLM call of one agent; asks for JSON on the progress-ledger call."""

    def __init__(
        self, agent: str, model: str, meter: UsageMeter, *, json_ledger: bool = False
    ) -> None:
        self._agent = agent
        self._model = model
        self._meter = meter
        self._json_ledger = json_ledger

    async def process(self, context: ChatContext, call_next: Next) -> None:
        if self._json_ledger and context.messages and LEDGER_MARKER in context.messages[-1].text:
            context.options = {
                **(context.options or {}),
                "response_format": {"type": "json_object"},
            }
        started = time.perf_counter()
        if context.stream:

            def on_result(response: ChatResponse[Any]) -> None:
                self._record(response, started)

            context.stream_result_transforms = [*context.stream_result_transforms, on_result]
            await call_next()
        else:
            await call_next()
            if isinstance(context.result, ChatResponse):
                self._record(context.result, started)

    def _record(self, response: ChatResponse[Any], started: float) -> None:
        self._meter.llm_seconds += time.perf_counter() - started
        usage = response.usage_details or {}
        self._meter.record(
            self._agent,
            self._model,
            int(usage.get("input_token_count") or 0),
            int(usage.get("output_token_count") or 0),
        )
