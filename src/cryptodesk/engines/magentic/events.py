"""The team's domain events: agent steps with coalesced text deltas, progress and plans.

Every event of a run is emitted from inside the workflow (the manager's calls, the worker turns,
the tool calls), in the order things happen; nothing is re-ordered by a consumer that lags.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from cryptodesk.domain.events import (
    AgentStep,
    CostEstimate,
    DomainEvent,
    EventSink,
    Progress,
    StepStatus,
)
from cryptodesk.domain.format import clip
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.magentic.evidence import Findings
from cryptodesk.engines.magentic.usage import UsageMeter
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


_LANE: ContextVar[str] = ContextVar("cryptodesk_team_lane", default="")


@contextmanager
def lane(name: str) -> Iterator[None]:
    """Steps opened inside (and in the tasks started inside) belong to lane `name`: agents that
    work at the same time each keep their own open step."""
    token = _LANE.set(name)
    try:
        yield
    finally:
        _LANE.reset(token)


class TeamReporter:
    """Numbers steps, streams their text as deltas (about every 100 ms) and reports progress,
    with the run's spend so far.

    Agents working at the same time (the first round) each report in a lane of their own
    (`lane`); the orchestrated rounds work in the default lane, where a new step ends the one
    still open.
    """

    def __init__(
        self, request: RunRequest, sink: EventSink, findings: Findings, meter: UsageMeter
    ) -> None:
        self._request = request
        self._sink = sink
        self._findings = findings
        self._meter = meter
        self._count = 0
        self._open: dict[str, _OpenStep] = {}
        self.round = 0
        """The orchestrator's round counter (`current_turn`), kept by the manager."""

    async def emit(self, event: DomainEvent) -> None:
        await self._sink.emit(event)

    async def start(self, agent: str, message: str, *, progress: bool = False) -> None:
        await self._close(_LANE.get(), "error", "interrupted by the next step")
        self._count += 1
        step = _OpenStep(agent, f"{self._request.run_id}-llm-{self._count}")
        self._open[_LANE.get()] = step
        self._findings.used(agent)
        await self._sink.emit(
            AgentStep(agent, emoji(agent), "working", _step_text(message), step.step_id)
        )
        if progress:
            await self.progress()

    async def progress(self, estimate: CostEstimate | None = None) -> None:
        """The current round and the spend so far (the live meter)."""
        turn = min(self.round if estimate else max(self.round, 1), self._request.max_turns)
        spent = self._meter.usage() if self._meter.calls or estimate is None else None
        await self._sink.emit(Progress(turn, self._request.max_turns, spent, estimate))

    async def delta(self, text: str) -> None:
        step = self._open.get(_LANE.get())
        if step is None or not text:
            return
        step.pending.append(text)
        if time.monotonic() - step.last_flush >= DELTA_INTERVAL_S:
            await self.flush()

    async def flush(self) -> None:
        step = self._open.get(_LANE.get())
        if step is None or not step.pending:
            return
        text = "".join(step.pending)
        step.pending.clear()
        step.last_flush = time.monotonic()
        await self._sink.emit(
            AgentStep(step.agent, emoji(step.agent), "working", "", step.step_id, delta=text)
        )

    async def finish(self, message: str) -> None:
        await self._close(_LANE.get(), "completed", message)

    async def abort(self, reason: str) -> None:
        """Closes every step that will not finish (the LLM failed, the run stalled)."""
        for name in tuple(self._open):
            await self._close(name, "error", reason)

    async def _close(self, name: str, status: StepStatus, message: str) -> None:
        step = self._open.pop(name, None)
        if step is None:
            return
        if step.pending:
            text = "".join(step.pending)
            step.pending.clear()
            await self._sink.emit(
                AgentStep(step.agent, emoji(step.agent), "working", "", step.step_id, delta=text)
            )
        text = _step_text(message) or ("Done." if status == "completed" else "Stopped.")
        await self._sink.emit(AgentStep(step.agent, emoji(step.agent), status, text, step.step_id))
