"""REST payloads of the watcher: watchlist, alerts, notification targets, notifications and
scheduled analyses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from cryptodesk.domain.display import has_hidden_characters
from cryptodesk.domain.watching import Notification, WatchItem
from cryptodesk.market.schemas import Timeframe
from cryptodesk.rules.conditions import Condition

DAY_S = 86_400
Symbol = Field(min_length=1, max_length=64, description="a ticker, CoinGecko id or name: BTC")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WatcherStatus(BaseModel):
    running_here: bool = Field(description="whether this server process runs the watcher now")
    interval_s: float | None = Field(None, description="between price reads")
    requests_per_minute: float | None = Field(
        None, description="upstream requests per minute the watcher spends (estimate)"
    )
    allowance_per_minute: float | None = Field(
        None, description="what it may spend (its share of the rate budget)"
    )
    last_update_at: datetime | None = None
    note: str | None = None


class WatchlistOut(BaseModel):
    items: list[WatchItem]
    watcher: WatcherStatus


class WatchIn(_In):
    symbol: str = Symbol


class WatchEntryOut(BaseModel):
    coin_id: str
    symbol: str
    name: str
    added_at: datetime
    created: bool = Field(description="false when the coin was already on the list")


class AlertIn(_In):
    symbol: str = Symbol
    condition: Condition
    target_ids: list[str] = Field(default_factory=list, max_length=20)
    follow_up: bool = Field(False, description="run an analysis in the rule's conversation")
    once: bool = Field(False, description="fire once, then stop (status done)")
    cooldown_s: int = Field(
        3600, ge=0, le=30 * DAY_S, description="no second firing within this many seconds"
    )


class AlertOut(BaseModel):
    id: str
    symbol: str
    coin_id: str
    condition: Condition
    label: str = Field(description="the rule in plain words")
    target_ids: list[str]
    follow_up: bool
    once: bool
    cooldown_s: int
    status: Literal["proposed", "active", "paused", "done"]
    origin: Literal["api", "chat", "cli", "web"]
    conversation_id: str | None
    last_fired_at: datetime | None
    fire_count: int
    created_at: datetime
    updated_at: datetime


class AlertDetail(AlertOut):
    firings: list[Notification] = Field(description="newest first, with their deliveries")


class AlertPatch(_In):
    status: Literal["active", "paused"] = Field(
        description="pause or resume; `active` also confirms a rule the chat proposed"
    )


class TargetIn(_In):
    name: str = Field(min_length=1, max_length=100)
    url: SecretStr = Field(
        min_length=1, max_length=2000, description="an Apprise URL (write-only: never returned)"
    )

    @field_validator("name")
    @classmethod
    def _visible(cls, value: str) -> str:
        if has_hidden_characters(value) or not value.strip():
            raise ValueError("must be visible text (no control or bidi characters)")
        return value.strip()


class TargetOut(BaseModel):
    id: str
    name: str
    service: str = Field(description="Apprise's name of the service, e.g. Telegram")
    masked: str = Field(description="the URL with its secret parts hidden")
    created_at: datetime
    tested_at: datetime | None
    test_ok: bool | None
    test_detail: str | None


class TargetTest(BaseModel):
    ok: bool
    detail: str
    latency_ms: int
    target: TargetOut


class NotificationPage(BaseModel):
    items: list[Notification]
    total: int
    unread: int


class ReadIn(_In):
    ids: list[str] | None = Field(None, max_length=500, description="null: all")


class ReadOut(BaseModel):
    marked: int
    unread: int


class ScheduleIn(_In):
    symbol: str = Symbol
    cron: str = Field(
        min_length=9, max_length=100, description="five cron fields in UTC: '0 8 * * *'"
    )
    timeframe: Timeframe = "4h"
    question: str | None = Field(None, min_length=1, max_length=2000)
    target_ids: list[str] = Field(default_factory=list, max_length=20)


class ScheduleOut(BaseModel):
    id: str
    symbol: str
    coin_id: str
    cron: str
    timeframe: str
    question: str
    label: str
    target_ids: list[str]
    status: Literal["active", "paused"]
    conversation_id: str | None
    next_run_at: datetime
    last_run_at: datetime | None
    created_at: datetime


class SchedulePatch(_In):
    status: Literal["active", "paused"]
