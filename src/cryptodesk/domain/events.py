"""Domain events: what an engine reports while it answers a question.

Engines know nothing about sequence numbers, sockets or storage; they emit these values into an
`EventSink`. The run manager stamps them with run id, `seq` and timestamp and turns them into
protocol frames (`realtime.protocol`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from cryptodesk.domain.grounding import Grounding
from cryptodesk.domain.outlook import AnswerKind, Outlook
from cryptodesk.domain.watching import WatchAction

StepStatus = Literal["working", "completed", "error"]


@dataclass(frozen=True, slots=True)
class AgentStep:
    agent: str
    emoji: str
    status: StepStatus
    message: str
    step_id: str
    delta: str | None = None


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """What a run is expected to spend before it starts (the LLM team's plan, the models'
    prices and the conversation's history)."""

    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    """None when a model has no price."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Progress:
    current_turn: int
    max_turns: int
    spent: Usage | None = None
    """The LLM spend of the run so far (the LLM team only)."""
    estimate: CostEstimate | None = None
    """On the run's first progress: what it is expected to spend."""


@dataclass(frozen=True, slots=True)
class ToolCalled:
    agent: str
    tool_name: str
    arguments: dict[str, Any]
    call_id: str


@dataclass(frozen=True, slots=True)
class ToolFinished:
    tool_name: str
    call_id: str
    success: bool
    result_preview: str
    duration_ms: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ChartCreated:
    chart_id: str
    symbol: str
    interval: str
    title: str


@dataclass(frozen=True, slots=True)
class AgentTokens:
    agent: str
    calls: int
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    by_agent: tuple[AgentTokens, ...] = ()
    """LLM calls and tokens per agent (stored with the run; not part of the `result` frame)."""


@dataclass(frozen=True, slots=True)
class Report:
    content: str
    agents_used: tuple[str, ...]
    charts: tuple[str, ...]
    engine: str
    usage: Usage = field(default_factory=Usage)
    data_labels: tuple[str, ...] = ()
    """Labels such as "simulated" or "replay" that describe the data the report used."""
    outlook: tuple[Outlook, ...] = ()
    """One structured outlook per analysed asset (computed by `assess_outlook`)."""
    answer_kind: AnswerKind = "answered"
    bottom_line: str | None = None
    """The one to three sentences the report opens with."""
    grounding: Grounding | None = None
    """Whether the report's figures come from the tool results (`engines.grounding`)."""
    watch_actions: tuple[WatchAction, ...] = ()
    """Alerts proposed or confirmed, coins watched or unwatched by this answer."""


@dataclass(frozen=True, slots=True)
class RunError:
    code: str
    message: str
    details: str | None = None
    recoverable: bool = True


DomainEvent = AgentStep | Progress | ToolCalled | ToolFinished | ChartCreated | Report | RunError


class EventSink(Protocol):
    async def emit(self, event: DomainEvent) -> None: ...
