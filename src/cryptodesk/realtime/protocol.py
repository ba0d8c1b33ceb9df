"""Protocol v1 frames (see PROTOCOL.md): one discriminated union per direction.

Client frames are `{"type": ..., "payload": {...}, "id"?}`; server frames are flat objects. These
models are the single source of truth: `cryptodesk protocol-schema` exports their JSON Schema and
the web app's TypeScript types are generated from it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from cryptodesk.domain.grounding import Grounding
from cryptodesk.domain.outlook import AnswerKind, Outlook
from cryptodesk.domain.watching import Notification, WatchAction, WatchItem
from cryptodesk.realtime.closecodes import close_code_schemas
from cryptodesk.redaction import scrub

PROTOCOL_VERSION: Literal[1] = 1
MAX_MESSAGE_CHARS = 8000
MAX_FRAME_BYTES = 64 * 1024
PREVIEW_CHARS = 500
MAX_SEQ = 2**31 - 1
"""The largest `seq` (and `after_seq`): the event log stores it as a 32-bit integer."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------- client -> server


class ChatOptions(_Strict):
    max_turns: int | None = Field(None, ge=1, le=100)
    engine: Literal["auto", "offline", "magentic"] | None = None


class ChatPayload(_Strict):
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    conversation_id: str | None = Field(None, min_length=1, max_length=64)
    client_msg_id: str | None = Field(None, min_length=1, max_length=64)
    options: ChatOptions | None = None


class CancelPayload(_Strict):
    run_id: str | None = Field(None, min_length=1, max_length=64)


class PingPayload(_Strict):
    acks: dict[str, int] | None = None


class ChatFrame(_Strict):
    type: Literal["chat"]
    payload: ChatPayload
    id: str | None = None


class CancelFrame(_Strict):
    type: Literal["cancel"]
    payload: CancelPayload = CancelPayload()
    id: str | None = None


class PingFrame(_Strict):
    type: Literal["ping"]
    payload: PingPayload = PingPayload()
    id: str | None = None


ClientFrame = Annotated[ChatFrame | CancelFrame | PingFrame, Field(discriminator="type")]
client_frame_adapter: TypeAdapter[ChatFrame | CancelFrame | PingFrame] = TypeAdapter(ClientFrame)


# ----------------------------------------------------------------------------- server -> client

StatusValue = Literal[
    "connected", "initializing", "processing", "completed", "cancelled", "failed", "resync"
]
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "cancelled", "failed"})
RunStatus = Literal["pending", "running", "completed", "cancelled", "failed"]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    v: Literal[1] = PROTOCOL_VERSION
    timestamp: datetime = Field(default_factory=utc_now)


class _RunFrame(_Frame):
    run_id: str
    conversation_id: str
    seq: int = Field(ge=1)
    replay: bool = False


class ActiveRun(BaseModel):
    run_id: str
    status: RunStatus
    last_seq: int


class StatusFrame(_Frame):
    """Connection status (`connected`, no run fields) or a run's lifecycle status."""

    type: Literal["status"] = "status"
    status: StatusValue
    message: str
    final: bool = False
    run_id: str | None = None
    conversation_id: str | None = None
    seq: int | None = Field(None, ge=1)
    replay: bool = False
    active_run: ActiveRun | None = None
    engine: str | None = None


class AgentStepFrame(_RunFrame):
    type: Literal["agent_step"] = "agent_step"
    agent: str
    emoji: str
    status: Literal["working", "completed", "error"]
    message: str
    step_id: str
    delta: str | None = None


class ToolCallFrame(_RunFrame):
    type: Literal["tool_call"] = "tool_call"
    agent: str
    tool_name: str
    arguments: dict[str, Any]
    call_id: str


class ToolResultFrame(_RunFrame):
    type: Literal["tool_result"] = "tool_result"
    tool_name: str
    call_id: str
    success: bool
    result_preview: str = Field(max_length=PREVIEW_CHARS)
    duration_ms: int = Field(ge=0)
    error: str | None = None


class UsageModel(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None


class EstimateModel(BaseModel):
    """What an LLM run is expected to spend, before its first LLM call."""

    llm_calls: int = Field(ge=0)
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    cost_usd: float | None = Field(None, description="null when a model has no known price")


class ProgressFrame(_RunFrame):
    type: Literal["progress"] = "progress"
    current_turn: int = Field(ge=0)
    max_turns: int = Field(ge=1)
    percentage: float = Field(ge=0, le=100)
    spent: UsageModel | None = Field(
        None,
        description=(
            "the LLM spend of the run so far (the LLM team; sent after every LLM call and as a "
            "keep-alive while a slow model streams; added in v1, optional)"
        ),
    )
    estimate: EstimateModel | None = Field(
        None,
        description=(
            "on the LLM team's first progress (current_turn 0), before any LLM call: what the "
            "run is expected to spend (added in v1, optional)"
        ),
    )


class ResultFrame(_RunFrame):
    type: Literal["result"] = "result"
    content: str
    format: Literal["markdown"] = "markdown"
    agents_used: list[str]
    charts: list[str]
    engine: str
    usage: UsageModel
    data_labels: list[str] = Field(
        default_factory=list, description="e.g. 'simulated', 'replay', 'stale'"
    )
    outlook: list[Outlook] | None = Field(
        None, description="one structured outlook per analysed asset (added in v1, optional)"
    )
    answer_kind: AnswerKind | None = Field(
        None,
        description=(
            "answered, partial (some data missing), clarification (a question back) or "
            "cannot_answer (added in v1, optional)"
        ),
    )
    bottom_line: str | None = Field(
        None, description="the sentences that answer the question, first in `content`"
    )
    grounding: Grounding | None = Field(
        None,
        description=(
            "whether the figures of `content` come from the run's tool results: how many were "
            "checked and matched, and the ones no tool result holds (added in v1, optional)"
        ),
    )
    watch_actions: list[WatchAction] | None = Field(
        None,
        description=(
            "alerts proposed (inactive until confirmed) or confirmed, coins watched or "
            "unwatched by this answer (added in v1, optional)"
        ),
    )


class ChartGeneratedFrame(_RunFrame):
    type: Literal["chart_generated"] = "chart_generated"
    chart_id: str
    url: str
    symbol: str
    interval: str
    title: str


class ErrorFrame(_Frame):
    """An error; run-scoped (with run fields) when it belongs to a run."""

    type: Literal["error"] = "error"
    code: str
    message: str
    details: str | None = None
    recoverable: bool = True
    run_id: str | None = None
    conversation_id: str | None = None
    seq: int | None = Field(None, ge=1)
    replay: bool = False


class RunState(BaseModel):
    status: RunStatus
    last_seq: int


class PongFrame(_Frame):
    type: Literal["pong"] = "pong"
    runs: dict[str, RunState] = Field(default_factory=dict)


class ServerPingFrame(_Frame):
    type: Literal["ping"] = "ping"


class WatchlistFrame(_Frame):
    """Connection-level (no run fields): the watchlist with its latest prices, sent to every
    socket whenever the watcher read new prices (added in v1, optional)."""

    type: Literal["watchlist"] = "watchlist"
    items: list[WatchItem]


class NotificationFrame(_Frame):
    """Connection-level (no run fields): a rule fired or a scheduled analysis ran, or such a
    notification changed (its follow-up answered, its deliveries moved); added in v1, optional."""

    type: Literal["notification"] = "notification"
    notification: Notification
    unread: int = Field(ge=0, description="unread notifications after this one")


ServerFrame = Annotated[
    StatusFrame
    | AgentStepFrame
    | ToolCallFrame
    | ToolResultFrame
    | ProgressFrame
    | ResultFrame
    | ChartGeneratedFrame
    | ErrorFrame
    | PongFrame
    | ServerPingFrame
    | WatchlistFrame
    | NotificationFrame,
    Field(discriminator="type"),
]
server_frame_adapter: TypeAdapter[Any] = TypeAdapter(ServerFrame)

RunFrame = (
    StatusFrame
    | AgentStepFrame
    | ToolCallFrame
    | ToolResultFrame
    | ProgressFrame
    | ResultFrame
    | ChartGeneratedFrame
    | ErrorFrame
)


def dump_frame(frame: BaseModel) -> str:
    """The frame as the socket and the event log get it: every frame is serialized here, so
    this is where the values of configured secrets are scrubbed (the last line of defence)."""
    return scrub(frame.model_dump_json(exclude_none=False))


def protocol_schema() -> dict[str, Any]:
    """JSON Schema of both directions, for `cryptodesk protocol-schema` and code generation."""
    client = TypeAdapter(ClientFrame).json_schema(mode="validation")
    server = TypeAdapter(ServerFrame).json_schema(mode="serialization")
    defs: dict[str, Any] = {}
    defs.update(client.pop("$defs", {}))
    defs.update(server.pop("$defs", {}))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "CryptoDesk protocol v1",
        "version": PROTOCOL_VERSION,
        "$defs": {
            **defs,
            "ClientFrame": client,
            "ServerFrame": server,
            **close_code_schemas(),
        },
    }
