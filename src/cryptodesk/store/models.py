"""ORM tables. ORM objects never leave the store layer: repositories return frozen records."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns timezone-aware UTC (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class MessageRow(Base):
    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "created_at"),)


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    engine: Mapped[str] = mapped_column(String(64))
    client_msg_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    usage_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The replica that runs it (`cluster.replica`), or last claimed it to end it."""
    lease_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Grows with every claim: a writer whose epoch is not current is fenced off."""
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (
        # One unfinished run per conversation, whichever replica starts it.
        Index(
            "uq_runs_one_active",
            "conversation_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'running')"),
            postgresql_where=text("status IN ('pending', 'running')"),
        ),
    )


class RunEventRow(Base):
    __tablename__ = "run_events"
    run_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    frame: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChartRow(Base):
    __tablename__ = "charts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    symbol: Mapped[str] = mapped_column(String(64))
    interval: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SettingRow(Base):
    """One setting changed from the API (JSON value); secrets never come here (see vault/)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionStateRow(Base):
    """Counters of the login sessions; `generation` is what "log out everywhere" bumps."""

    __tablename__ = "session_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RevokedSessionRow(Base):
    """A session logged out before its cookie expired (kept until then, then pruned)."""

    __tablename__ = "revoked_sessions"
    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LeaseRow(Base):
    """Who runs a cluster-wide job (`cluster.singleton`): one row per job name. `epoch` grows
    with every new holder, so a holder that lost the lease can tell (fencing)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    epoch: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BacktestRow(Base):
    """A saved backtest of the offline analyst (`record.backtest`); its calls refer to it."""

    __tablename__ = "backtests"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    symbols: Mapped[str] = mapped_column(String(400))
    """Comma-separated, as given."""
    timeframe: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    every_s: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    call_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CallRow(Base):
    """A call (an outlook the desk gave) and, once its horizon traded, its settlement.

    The terms are written once with the run's result (or the backtest) and never updated; the
    settlement columns are written once, by a conditional update (`settled_at IS NULL`). The run
    and conversation are plain references, no foreign keys: deleting a conversation does not
    delete its calls from the record.
    """

    __tablename__ = "calls"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    backtest_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("backtests.id", ondelete="CASCADE"), nullable=True
    )
    symbol: Mapped[str] = mapped_column(String(32))
    coin_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    timeframe: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    price: Mapped[float] = mapped_column(Float)
    bias: Mapped[str] = mapped_column(String(16))
    strength: Mapped[float] = mapped_column(Float)
    support: Mapped[float | None] = mapped_column(Float, nullable=True)
    resistance: Mapped[float | None] = mapped_column(Float, nullable=True)
    invalidation: Mapped[float | None] = mapped_column(Float, nullable=True)
    bull_target: Mapped[float | None] = mapped_column(Float, nullable=True)
    bear_target: Mapped[float | None] = mapped_column(Float, nullable=True)
    horizon_bars: Mapped[int] = mapped_column(Integer)
    horizon_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    engine: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(Text)
    data_labels: Mapped[str] = mapped_column(Text)
    """JSON list of strings."""
    outlook: Mapped[str] = mapped_column(Text)
    """The whole outlook (JSON), as the answer showed it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    pending_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    return_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    agreed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    mfe_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    mae_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_touch: Mapped[str | None] = mapped_column(String(16), nullable=True)
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    exit_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    settled_candles: Mapped[int | None] = mapped_column(Integer, nullable=True)
    settled_missing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    settled_source: Mapped[str | None] = mapped_column(Text, nullable=True)
    band_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    path: Mapped[str | None] = mapped_column(Text, nullable=True)
    """JSON [[open time s, o, h, l, c], ...]: the candles the chart of the call shows."""
    __table_args__ = (
        Index("ix_calls_backtest_as_of", "backtest_id", "as_of"),
        Index("ix_calls_status_ends", "status", "horizon_ends_at"),
    )


class FeedbackRow(Base):
    """A person's thumbs up or down on a run's answer, with optional reasons (one per run)."""

    __tablename__ = "feedback"
    run_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    rating: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[str] = mapped_column(Text)
    """JSON list of reason codes."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ----------------------------------------------------------------------------- the watcher


class WatchRow(Base):
    """A coin on the watchlist (the desk has one list)."""

    __tablename__ = "watchlist"
    coin_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertRuleRow(Base):
    """An alert rule. `armed` and `last_fired_at` are the watcher's state: kept here, so the
    replica that takes the watcher over continues where the last one stopped."""

    __tablename__ = "alert_rules"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    coin_id: Mapped[str] = mapped_column(String(64), index=True)
    symbol: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    params: Mapped[str] = mapped_column(Text)
    """JSON: window, timeframe, period, direction (by kind)."""
    target_ids: Mapped[str] = mapped_column(Text)
    """JSON list of notification target ids."""
    follow_up: Mapped[bool] = mapped_column(Boolean)
    once: Mapped[bool] = mapped_column(Boolean)
    cooldown_s: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    origin: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    armed: Mapped[bool] = mapped_column(Boolean)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fire_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ScheduleRow(Base):
    """A scheduled analysis: a cron expression (UTC) and the question it asks."""

    __tablename__ = "schedules"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cron: Mapped[str] = mapped_column(String(100))
    coin_id: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(Text)
    target_ids: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LlmSpendRow(Base):
    """What one LLM run spent, on the UTC day it ended: the ledger the daily cap sums, so every
    replica on the database sees the same total."""

    __tablename__ = "llm_spend"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    """YYYY-MM-DD, UTC."""
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    engine: Mapped[str] = mapped_column(String(200))
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    """None when a model of the run has no price."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FiringRow(Base):
    """A rule that fired or a scheduled analysis that ran: what the notifications list shows.
    `stage` is `awaiting_run` while a follow-up analysis runs (its deliveries wait for its
    answer), then `ready` once the deliveries are in the outbox."""

    __tablename__ = "firings"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    schedule_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    symbol: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    values: Mapped[str] = mapped_column(Text)
    """JSON: the values that triggered it (price, level, RSI, ...)."""
    data_labels: Mapped[str] = mapped_column(Text)
    target_ids: Mapped[str] = mapped_column(Text)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    market_time: Mapped[datetime] = mapped_column(UTCDateTime())
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    follow_up_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class NotifyTargetRow(Base):
    """Where notifications go: an Apprise URL kept in the vault (`secret` names its entry);
    only its masked form is stored here."""

    __tablename__ = "notify_targets"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(100))
    masked: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    test_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    test_detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeliveryRow(Base):
    """The outbox: one delivery of one firing to one target, claimed with a conditional update
    (pending -> sending) before it is sent, so two senders never send the same row."""

    __tablename__ = "deliveries"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    firing_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("firings.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(140), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claim_epoch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)


class PriceTickRow(Base):
    """A price the watcher read (kept about a day: percent moves and the watchlist use it)."""

    __tablename__ = "price_ticks"
    coin_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    price: Mapped[float] = mapped_column(Float)
    change_24h_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64))
    data_labels: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_price_ticks_at", "at"),)


class CounterRow(Base):
    """A number that grows with every change of something each replica caches (`settings`:
    the stored settings and the vault's secrets): a replica compares it before a run."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
