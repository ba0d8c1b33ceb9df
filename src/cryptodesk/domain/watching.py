"""What the watcher shows people: watchlist rows and notifications. The same models travel in
the REST answers and in the connection-level frames (`watchlist`, `notification`), so the web
app reads them one way."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

DeliveryState = Literal["pending", "sending", "sent", "failed"]


class WatchItem(BaseModel):
    coin_id: str
    symbol: str
    name: str
    price: float | None = Field(None, description="the last price the watcher read (USD)")
    change_24h_pct: float | None = None
    as_of: AwareDatetime | None = Field(None, description="when the source priced it")
    sparkline: list[float] = Field(
        default_factory=list, description="hourly prices of the last day, oldest first"
    )
    source: str | None = None
    data_labels: list[str] = Field(
        default_factory=list, description="e.g. 'simulated', 'stale', 'fallback', 'replay'"
    )


class FollowUp(BaseModel):
    """The analysis a firing started, and its answer once it ended."""

    run_id: str | None
    conversation_id: str | None
    status: str | None = Field(None, description="the run's status")
    bottom_line: str | None = None
    error: str | None = None


class DeliveryView(BaseModel):
    target_id: str
    status: DeliveryState
    attempts: int
    last_error: str | None = Field(None, description="why the last attempt failed (plain words)")
    sent_at: AwareDatetime | None = None
    next_attempt_at: AwareDatetime | None = None
    idempotency_key: str


class Notification(BaseModel):
    id: str
    kind: Literal["alert", "schedule"]
    title: str
    message: str
    symbol: str
    fired_at: AwareDatetime
    market_time: AwareDatetime = Field(description="the market's time of the values")
    rule_id: str | None = None
    schedule_id: str | None = None
    values: dict[str, Any] = Field(description="the values that triggered it")
    data_labels: list[str] = Field(default_factory=list)
    read: bool
    follow_up: FollowUp | None = None
    deliveries: list[DeliveryView] = Field(default_factory=list)


class WatchAction(BaseModel):
    """What an answer did to the watcher, for the client to show with its button: a proposed
    alert (Save / Dismiss), a confirmed one, a coin added to the watchlist (Undo) or removed."""

    action: Literal["alert_proposed", "alert_confirmed", "watched", "unwatched"]
    symbol: str
    coin_id: str
    label: str = Field(description="what was understood, in plain words")
    alert_id: str | None = None
    price: float | None = Field(None, description="the price when it was understood (USD)")
