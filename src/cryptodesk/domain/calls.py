"""Calls: every outlook the desk gives becomes a call, judged later by what the market did.

A call is immutable once stored: its terms (asset, as-of, price, bias, levels, horizon) never
change. Its settlement is written once, when the horizon has fully traded (`record.settlement`
says how). Until then it is `pending`, with the reason it cannot be settled yet; a call made
from simulated data is `void` from the start (demo data says nothing about skill).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptodesk.domain.outlook import Bias, Outlook

CallStatus = Literal["pending", "settled", "void"]
Outcome = Literal[
    "hit", "invalidated", "expired_in_favour", "miss", "neutral_correct", "neutral_wrong"
]
"""hit: the target was touched before the invalidation level; invalidated: the invalidation
level first; expired_in_favour: neither, and the horizon's return agreed with the bias; miss:
neither, and it did not; neutral_correct / neutral_wrong: a neutral call whose horizon return
stayed inside / went outside the neutral band."""
OUTCOMES: tuple[Outcome, ...] = (
    "hit",
    "invalidated",
    "expired_in_favour",
    "miss",
    "neutral_correct",
    "neutral_wrong",
)
Touch = Literal["target", "invalidation"]
Rating = Literal["up", "down"]
FeedbackReason = Literal["wrong_number", "wrong_coin", "not_useful", "outdated_data"]

SIMULATED_REASON = "made from simulated data (the demo market): never judged"


@dataclass(frozen=True, slots=True)
class PathCandle:
    """A candle of the chart of what happened: open time (epoch s), open, high, low, close."""

    time: int
    open: float
    high: float
    low: float
    close: float


@dataclass(frozen=True, slots=True)
class Settlement:
    """How a call worked out, from the candles after its as-of up to its horizon's end."""

    settled_at: datetime
    outcome: Outcome
    return_pct: float
    """Close at the horizon's end against the call's price, in percent."""
    agreed: bool
    """The horizon's return agreed with the bias (neutral: it stayed inside the band)."""
    mfe_pct: float | None
    """Largest move in the bias' favour (a magnitude, percent); None for neutral calls."""
    mae_pct: float
    """Largest move against the bias (a magnitude, percent); neutral: either way."""
    first_touch: Touch | None
    touched_at: datetime | None
    """Open time of the candle where the first touch happened."""
    exit_price: float
    candles: int
    """Candles of the horizon the settlement read."""
    missing: int
    """Candles of the horizon the source lacked (a small gap is allowed)."""
    source: str
    band_pct: float | None
    """The neutral band (neutral calls only)."""
    path: tuple[PathCandle, ...]
    """A few candles before the as-of, then the horizon's: the chart of what happened."""


@dataclass(frozen=True, slots=True)
class CallDraft:
    """A call as it is stored: the terms of one outlook and where it came from."""

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
    bull_target: float | None
    bear_target: float | None
    horizon_bars: int
    horizon_ends_at: datetime
    engine: str
    model: str | None
    source: str
    data_labels: tuple[str, ...]
    run_id: str | None
    conversation_id: str | None
    backtest_id: str | None
    created_at: datetime
    outlook_json: str

    @property
    def simulated(self) -> bool:
        return "simulated" in self.data_labels

    @property
    def target(self) -> float | None:
        """The target of the bias' scenario (None for a neutral call)."""
        if self.bias == "bullish":
            return self.bull_target
        return self.bear_target if self.bias == "bearish" else None


@dataclass(frozen=True, slots=True)
class Call:
    draft: CallDraft
    status: CallStatus
    pending_reason: str | None
    checked_at: datetime | None
    settlement: Settlement | None


def split_engine(label: str) -> tuple[str, str | None]:
    """`magentic:openai/gpt-4o` -> ("magentic", "openai/gpt-4o"); `offline` -> ("offline", None).
    The offline analyst standing in for a failed LLM team is `offline` (its report is labelled
    `llm_fallback`)."""
    family, _, model = label.partition(":")
    family = family.split(" ", 1)[0]
    return family, model or None


def draft_call(
    outlook: Outlook,
    *,
    call_id: str,
    engine: str,
    created_at: datetime,
    run_id: str | None,
    conversation_id: str | None,
    backtest_id: str | None = None,
    extra_labels: tuple[str, ...] = (),
) -> CallDraft:
    family, model = split_engine(engine)
    targets = {s.kind: s.target for s in outlook.scenarios}
    labels = tuple(dict.fromkeys((*outlook.data_labels, *extra_labels)))
    return CallDraft(
        id=call_id,
        symbol=outlook.symbol,
        coin_id=outlook.coin_id,
        timeframe=outlook.timeframe,
        as_of=outlook.as_of,
        price=outlook.price,
        bias=outlook.bias,
        strength=outlook.strength,
        support=outlook.support,
        resistance=outlook.resistance,
        invalidation=outlook.invalidation,
        bull_target=targets.get("bull"),
        bear_target=targets.get("bear"),
        horizon_bars=outlook.horizon.bars,
        horizon_ends_at=outlook.horizon.ends_at,
        engine=family,
        model=model,
        source=outlook.source,
        data_labels=labels,
        run_id=run_id,
        conversation_id=conversation_id,
        backtest_id=backtest_id,
        created_at=created_at,
        outlook_json=outlook.model_dump_json(),
    )


def path_json(path: tuple[PathCandle, ...]) -> str:
    return json.dumps([[c.time, c.open, c.high, c.low, c.close] for c in path])


def path_from_json(text: str) -> tuple[PathCandle, ...]:
    return tuple(PathCandle(int(t), o, h, lo, c) for t, o, h, lo, c in json.loads(text))
