"""REST payloads of the track record: calls, their statistics, backtests and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cryptodesk.domain.calls import (
    Call,
    CallStatus,
    FeedbackReason,
    Outcome,
    Rating,
    Touch,
    split_engine,
)
from cryptodesk.domain.outlook import Bias
from cryptodesk.record.stats import GroupStats
from cryptodesk.store.records import Backtest, Feedback


class Targets(BaseModel):
    bull: float | None = Field(description="The bull scenario's target.")
    bear: float | None = Field(description="The bear scenario's target.")


class HorizonOut(BaseModel):
    bars: int
    ends_at: datetime


class PathCandleOut(BaseModel):
    time: datetime = Field(description="Open time of the candle.")
    open: float
    high: float
    low: float
    close: float


class SettlementOut(BaseModel):
    settled_at: datetime
    outcome: Outcome
    return_pct: float
    agreed: bool = Field(description="The horizon's return agreed with the bias.")
    mfe_pct: float | None = Field(description="Largest move in favour (%); null for neutral.")
    mae_pct: float = Field(description="Largest move against (%).")
    first_touch: Touch | None
    touched_at: datetime | None
    exit_price: float
    candles: int
    missing: int = Field(description="Candles of the horizon missing from the data.")
    source: str
    band_pct: float | None = Field(description="The neutral band (neutral calls).")
    path: list[PathCandleOut] = Field(
        description="Candles before the as-of, then the horizon's: the chart of what happened."
    )


class CallOut(BaseModel):
    id: str
    symbol: str
    coin_id: str | None
    timeframe: str
    as_of: datetime
    price: float
    bias: Bias
    strength: float
    support: float | None
    resistance: float | None
    invalidation: float | None
    targets: Targets
    horizon: HorizonOut
    engine: str
    model: str | None
    source: str
    data_labels: list[str]
    run_id: str | None
    conversation_id: str | None
    backtest_id: str | None
    created_at: datetime
    status: CallStatus
    pending_reason: str | None
    checked_at: datetime | None
    settlement: SettlementOut | None


class CallPage(BaseModel):
    items: list[CallOut]
    total: int
    limit: int
    offset: int


class FeedbackCounts(BaseModel):
    up: int
    down: int
    reasons: dict[str, int] = Field(description="Thumbs down by reason.")
    by_engine: dict[str, dict[str, int]] = Field(description="Up and down per engine.")


class CallSummary(BaseModel):
    overall: GroupStats
    groups: list[GroupStats] = Field(description="Per engine and timeframe.")
    small_sample: int = Field(description="Below this many settled calls a group is noise.")
    feedback: FeedbackCounts | None = Field(description="Feedback on answers (not backtests).")


class BacktestOut(BaseModel):
    id: str
    name: str
    symbols: list[str]
    timeframe: str
    start: datetime
    end: datetime
    every_s: int
    source: str
    call_count: int
    created_at: datetime


class BacktestDetail(BacktestOut):
    summary: CallSummary


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Rating
    reasons: list[FeedbackReason] = Field(
        default_factory=list, max_length=4, description="Why a thumbs down (optional)."
    )

    @model_validator(mode="after")
    def _reasons_with_down(self) -> Self:
        if self.reasons and self.rating != "down":
            raise ValueError("reasons go with a thumbs down only")
        return self


class FeedbackOut(BaseModel):
    run_id: str
    rating: Literal["up", "down"]
    reasons: list[FeedbackReason]
    updated_at: datetime


def call_out(call: Call) -> CallOut:
    d, s = call.draft, call.settlement
    settlement = None
    if s is not None:
        settlement = SettlementOut(
            settled_at=s.settled_at,
            outcome=s.outcome,
            return_pct=s.return_pct,
            agreed=s.agreed,
            mfe_pct=s.mfe_pct,
            mae_pct=s.mae_pct,
            first_touch=s.first_touch,
            touched_at=s.touched_at,
            exit_price=s.exit_price,
            candles=s.candles,
            missing=s.missing,
            source=s.source,
            band_pct=s.band_pct,
            path=[
                PathCandleOut(
                    time=datetime.fromtimestamp(c.time, tz=d.as_of.tzinfo),
                    open=c.open,
                    high=c.high,
                    low=c.low,
                    close=c.close,
                )
                for c in s.path
            ],
        )
    return CallOut(
        id=d.id,
        symbol=d.symbol,
        coin_id=d.coin_id,
        timeframe=d.timeframe,
        as_of=d.as_of,
        price=d.price,
        bias=d.bias,
        strength=d.strength,
        support=d.support,
        resistance=d.resistance,
        invalidation=d.invalidation,
        targets=Targets(bull=d.bull_target, bear=d.bear_target),
        horizon=HorizonOut(bars=d.horizon_bars, ends_at=d.horizon_ends_at),
        engine=d.engine,
        model=d.model,
        source=d.source,
        data_labels=list(d.data_labels),
        run_id=d.run_id,
        conversation_id=d.conversation_id,
        backtest_id=d.backtest_id,
        created_at=d.created_at,
        status=call.status,
        pending_reason=call.pending_reason,
        checked_at=call.checked_at,
        settlement=settlement,
    )


def feedback_out(feedback: Feedback) -> FeedbackOut:
    rating: Rating = "up" if feedback.rating == "up" else "down"
    reasons = [r for r in _REASONS if r in feedback.reasons]
    return FeedbackOut(
        run_id=feedback.run_id, rating=rating, reasons=reasons, updated_at=feedback.updated_at
    )


_REASONS: tuple[FeedbackReason, ...] = ("wrong_number", "wrong_coin", "not_useful", "outdated_data")


def feedback_counts(every: list[Feedback], engine: str | None = None) -> FeedbackCounts:
    reasons = dict.fromkeys(_REASONS, 0)
    by_engine: dict[str, dict[str, int]] = {}
    up = down = 0
    for f in every:
        family = split_engine(f.engine or "unknown")[0]
        if engine is not None and family != engine:
            continue
        counts = by_engine.setdefault(family, {"up": 0, "down": 0})
        if f.rating == "up":
            up += 1
            counts["up"] += 1
        else:
            down += 1
            counts["down"] += 1
            for reason in f.reasons:
                if reason in reasons:
                    reasons[reason] += 1
    return FeedbackCounts(up=up, down=down, reasons=reasons, by_engine=by_engine)


def backtest_out(backtest: Backtest) -> BacktestOut:
    return BacktestOut(
        id=backtest.id,
        name=backtest.name,
        symbols=list(backtest.symbols),
        timeframe=backtest.timeframe,
        start=backtest.start,
        end=backtest.end,
        every_s=backtest.every_s,
        source=backtest.source,
        call_count=backtest.call_count,
        created_at=backtest.created_at,
    )
