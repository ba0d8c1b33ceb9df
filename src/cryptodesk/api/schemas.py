"""REST payloads (responses and request bodies)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cryptodesk.analysis.indicators import IndicatorName
from cryptodesk.charts.spec import ChartSpec
from cryptodesk.domain.display import has_hidden_characters
from cryptodesk.market.schemas import Timeframe


class Health(BaseModel):
    status: Literal["healthy"]
    version: str
    timestamp: datetime


class ComponentStatus(BaseModel):
    ready: bool
    detail: str


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: ComponentStatus
    engine: ComponentStatus
    market_data: ComponentStatus
    engine_name: str
    llm_status: str
    llm_model: str | None = None
    llm_latency_ms: int | None = None
    llm_detail: str | None = None
    market_data_mode: str
    simulated_data: bool
    timestamp: datetime


class WsStatus(BaseModel):
    status: Literal["healthy"]
    active_connections: int
    active_runs: int
    timestamp: datetime


class ConversationOut(BaseModel):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    total: int
    limit: int
    offset: int


class MessageOut(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    content: str
    run_id: str | None
    created_at: datetime


class UsageOut(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None


class RunOut(BaseModel):
    id: str
    conversation_id: str
    question: str
    status: str
    engine: str
    last_seq: int
    error_code: str | None
    error_message: str | None
    usage: UsageOut | None
    created_at: datetime
    finished_at: datetime | None


class ChartRef(BaseModel):
    id: str
    run_id: str
    symbol: str
    interval: str
    title: str
    url: str
    created_at: datetime


class ConversationDetail(BaseModel):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut]
    runs: list[RunOut]
    charts: list[ChartRef]
    active_run_id: str | None


_HIDDEN = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
VISIBLE_TITLE = f"^[^{_HIDDEN}]*[^\\s{_HIDDEN}][^{_HIDDEN}]*$"
"""Something visible, and nothing `domain.display` would remove (declared, so the schema says
what the validator below enforces)."""


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(
        min_length=1,
        max_length=200,
        # Declared for the OpenAPI document; the validator below enforces it with plain words.
        json_schema_extra={"pattern": VISIBLE_TITLE},
        description="Stripped; visible text only (no control characters or bidi overrides).",
    )

    @field_validator("title")
    @classmethod
    def _visible(cls, title: str) -> str:
        title = title.strip()
        if not title:
            raise ValueError("a title cannot be empty or only spaces")
        if has_hidden_characters(title):
            raise ValueError(
                "a title cannot contain control characters (such as NUL or ESC) or "
                "bidirectional overrides"
            )
        return title


class RunEvents(BaseModel):
    run_id: str
    conversation_id: str
    status: str
    last_seq: int
    events: list[dict[str, Any]]


class ChartOut(BaseModel):
    id: str
    run_id: str
    conversation_id: str
    symbol: str
    interval: str
    title: str
    created_at: datetime
    spec: dict[str, Any]


class LiveChartOut(BaseModel):
    """A chart built now from the market data in force, without a run; nothing is stored."""

    symbol: str
    timeframe: Timeframe
    indicators: list[IndicatorName]
    spec: ChartSpec
