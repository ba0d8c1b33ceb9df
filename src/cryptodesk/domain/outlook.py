"""The structured outlook of one asset, and the kind of answer a run gave.

An outlook is computed from tool results only (the analysis layer's `assess_outlook`), never
typed by a model. It travels in the `result` frame (`outlook`, one entry per analysed asset), is
stored with the run, exported, and becomes a call of the track record. These names are part of
the protocol: add fields, never rename them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Bias = Literal["bullish", "bearish", "neutral"]
AnswerKind = Literal["answered", "partial", "clarification", "cannot_answer"]
"""answered: the question was answered from the data; partial: answered, but some data was
missing (listed in the report); clarification: the desk asked a question back; cannot_answer:
outside what market data can answer (news, history beyond the source), with what it can do."""


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OutlookSignal(_Value):
    """One reading behind the bias, traceable to the tool call that produced its value."""

    name: str = Field(description="e.g. 'trend', 'rsi', 'macd', 'sma200', 'divergence'")
    value: float | None = Field(None, description="the number the reading rests on")
    reading: str = Field(description="one short sentence, e.g. 'RSI 71.3: overbought'")
    lean: Bias
    weight: float = Field(ge=0, description="its share in the bias score")
    tool_name: str
    call_id: str | None = Field(None, description="the tool call of this run it came from")


class OutlookLevel(_Value):
    price: float
    kind: Literal["support", "resistance"]
    touches: int = Field(ge=0)
    distance_pct: float = Field(description="from the outlook's price, in percent")


class Horizon(_Value):
    """How far ahead the outlook looks: a number of candles of its timeframe."""

    bars: int = Field(ge=1)
    hours: float = Field(gt=0)
    ends_at: AwareDatetime = Field(description="as_of plus the horizon")
    label: str = Field(description="e.g. 'about 2 days (12 × 4h candles)'")


class Scenario(_Value):
    """A conditional path, not advice: what would have to happen, and where it would lead."""

    kind: Literal["bull", "bear"]
    trigger: str = Field(description="e.g. 'a 4h close above 65,530 (resistance)'")
    trigger_price: float | None = None
    target: float | None = None
    entry_zone: tuple[float, float] | None = Field(None, description="(low, high) when given")
    stop: float | None = Field(None, description="where the scenario is wrong")
    risk_reward: float | None = Field(None, description="reward / risk from the entry zone")


class Outlook(_Value):
    symbol: str = Field(description="e.g. 'BTC'")
    coin_id: str | None = Field(None, description="e.g. 'bitcoin'")
    timeframe: str = Field(description="candle timeframe the outlook is built on, e.g. '4h'")
    as_of: AwareDatetime = Field(description="close time of the last candle used")
    price: float = Field(description="the last close at as_of")
    bias: Bias
    strength: float = Field(ge=0, le=1, description="0 = no conviction, 1 = every signal agrees")
    signals: list[OutlookSignal] = Field(description="the three to five readings behind the bias")
    horizon: Horizon
    support: float | None = Field(description="nearest support below the price")
    resistance: float | None = Field(description="nearest resistance above the price")
    levels_note: str | None = Field(None, description="why support or resistance is missing")
    levels: list[OutlookLevel] = Field(default_factory=list, description="all levels found")
    invalidation: float | None = Field(description="the price that would invalidate the bias")
    invalidation_note: str | None = None
    scenarios: list[Scenario] = Field(default_factory=list)
    source: str = Field(description="where the candles came from, e.g. 'coingecko', 'replay'")
    data_labels: list[str] = Field(
        default_factory=list, description="'simulated', 'replay', 'stale', 'fallback'"
    )
