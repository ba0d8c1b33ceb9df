"""Values the watcher's repositories hand out (ORM rows stay in the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

RuleStatus = Literal["proposed", "active", "paused", "done", "deleted"]
RuleOrigin = Literal["api", "chat", "cli", "web"]
FiringKind = Literal["alert", "schedule"]
FiringStage = Literal["awaiting_run", "ready"]
DeliveryStatus = Literal["pending", "sending", "sent", "failed"]
ScheduleStatus = Literal["active", "paused", "deleted"]


@dataclass(frozen=True, slots=True)
class WatchEntry:
    coin_id: str
    symbol: str
    name: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a new rule is made of (validated before it gets here)."""

    coin_id: str
    symbol: str
    kind: str
    value: float
    params: dict[str, Any]
    target_ids: tuple[str, ...]
    follow_up: bool
    once: bool
    cooldown_s: int
    status: RuleStatus
    origin: RuleOrigin
    label: str
    conversation_id: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlertRule:
    id: str
    coin_id: str
    symbol: str
    kind: str
    value: float
    params: dict[str, Any]
    target_ids: tuple[str, ...]
    follow_up: bool
    once: bool
    cooldown_s: int
    status: RuleStatus
    origin: RuleOrigin
    label: str
    conversation_id: str | None
    run_id: str | None
    armed: bool
    last_fired_at: datetime | None
    fire_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewFiring:
    """A firing the watcher or the scheduler records."""

    kind: FiringKind
    symbol: str
    title: str
    message: str
    values: dict[str, Any]
    data_labels: tuple[str, ...]
    target_ids: tuple[str, ...]
    market_time: datetime
    stage: FiringStage
    rule_id: str | None = None
    schedule_id: str | None = None
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Firing:
    id: str
    kind: FiringKind
    rule_id: str | None
    schedule_id: str | None
    symbol: str
    title: str
    message: str
    values: dict[str, Any]
    data_labels: tuple[str, ...]
    target_ids: tuple[str, ...]
    fired_at: datetime
    market_time: datetime
    conversation_id: str | None
    run_id: str | None
    follow_up_error: str | None
    stage: FiringStage
    read_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    firing_id: str
    target_id: str
    idempotency_key: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    claim_epoch: int | None
    sent_at: datetime | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    id: str
    name: str
    service: str
    masked: str
    created_at: datetime
    tested_at: datetime | None
    test_ok: bool | None
    test_detail: str | None


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    cron: str
    coin_id: str
    symbol: str
    timeframe: str
    question: str
    target_ids: tuple[str, ...]
    status: ScheduleStatus
    label: str
    conversation_id: str | None
    next_run_at: datetime
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Tick:
    coin_id: str
    at: datetime
    price: float
    change_24h_pct: float | None
    as_of: datetime
    source: str
    data_labels: tuple[str, ...]
