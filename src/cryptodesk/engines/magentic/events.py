"""The team's domain events: agent steps with coalesced text deltas, progress and plans.

Every event of a run is emitted from inside the workflow (the manager's calls, the worker turns,
the tool calls), in the order things happen; nothing is re-ordered by a consumer that lags.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from cryptodesk.domain.events import AgentStep, DomainEvent, EventSink, Progress
from cryptodesk.domain.format import clip
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.magentic.evidence import Findings
from cryptodesk.engines.roster import EMOJIS

DELTA_INTERVAL_S = 0.1
STEP_MESSAGE_CHARS = 1000


def _step_text(text: str) -> str:
    return clip(text.strip(), STEP_MESSAGE_CHARS)


_EMOJIS: dict[str, str] = dict(EMOJIS.items())


def emoji(agent: str) -> str:
    return _EMOJIS.get(agent, "🤖")


@dataclass(slots=True)
class _OpenStep:
    agent: str
    step_id: str
    pending: list[str] = field(default_factory=list)
    last_flush: float = 0.0


class TeamReporter:
    """Numbers steps, streams their text as deltas (about every 100 ms) and reports progress."""

    def __init__(self, request: RunRequest, sink: EventSink, findings: Findings) -> None:
        self._request = request
        self._sink = sink
        self._findings = findings
        self._count = 0
        self._open: _OpenStep | None = None
        self.round = 0
        """The orchestrator's round counter (`current_turn`), kept by the manager."""

    async def emit(self, event: DomainEvent) -> None:
        await self._sink.emit(event)

    async def start(self, agent: str, message: str, *, progress: bool = False) -> None:
        await self.abort("interrupted by the next step")
        self._count += 1
        step = _OpenStep(agent, f"{self._request.run_id}-llm-{self._count}")
        self._open = step
        self._findings.used(agent)
        await self._sink.emit(
            AgentStep(agent, emoji(agent), "working", _step_text(message), step.step_id)
        )
        if progress:
            turn = min(max(self.round, 1), self._request.max_turns)
            await self._sink.emit(Progress(turn, self._request.max_turns))

    async def delta(self, text: str) -> None:
        step = self._open
        if step is None or not text:
            return
        step.pending.append(text)
        if time.monotonic() - step.last_flush >= DELTA_INTERVAL_S:
            await self.flush()

    async def flush(self) -> None:
        step = self._open
        if step is None or not step.pending:
            return
        text = "".join(step.pending)
        step.pending.clear()
        step.last_flush = time.monotonic()
        await self._sink.emit(
            AgentStep(step.agent, emoji(step.agent), "working", "", step.step_id, delta=text)
        )

    async def finish(self, message: str) -> None:
        step = self._open
        if step is None:
            return
        await self.flush()
        self._open = None
        await self._sink.emit(
            AgentStep(
                step.agent,
                emoji(step.agent),
                "completed",
                _step_text(message) or "Done.",
                step.step_id,
            )
        )

    async def abort(self, reason: str) -> None:
        """Closes a step that will not finish (the LLM failed, the next step started)."""
        step = self._open
        if step is None:
            return
        await self.flush()
        self._open = None
        await self._sink.emit(
            AgentStep(step.agent, emoji(step.agent), "error", _step_text(reason), step.step_id)
        )

    @property
    def open_agent(self) -> str | None:
        return self._open.agent if self._open else None
