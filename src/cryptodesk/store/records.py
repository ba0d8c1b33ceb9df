"""Values the store hands out. ORM rows stay inside the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    conversation_id: str
    role: Role
    content: str
    run_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Run:
    id: str
    conversation_id: str
    question: str
    status: str
    engine: str
    client_msg_id: str | None
    error_code: str | None
    error_message: str | None
    last_seq: int
    usage_json: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    run_id: str
    seq: int
    type: str
    frame: str


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    conversation_id: str
    run_id: str
    symbol: str
    interval: str
    title: str
    spec: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Backtest:
    id: str
    name: str
    symbols: tuple[str, ...]
    timeframe: str
    start: datetime
    end: datetime
    every_s: int
    source: str
    call_count: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Feedback:
    run_id: str
    rating: str
    reasons: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    engine: str | None = None
    """The engine of the run (filled where the query joins the run)."""
