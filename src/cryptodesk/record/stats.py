"""Statistics of settled calls next to baselines on the same calls: pure functions.

The hit rate is the share of settled calls whose horizon return agreed with the bias (a neutral
call: the return stayed inside its band). The baselines are judged the same way on the same
calls and horizons, so nobody reads noise as skill:

- always bullish: right when the price rose over the call's horizon;
- a coin flip between bullish and bearish: its expected hit rate (one half of the calls whose
  price moved) and the 95 % spread of a flip over this many calls (1.96 standard errors), not a
  random draw;
- buy and hold over the same horizons: the average return of holding the asset through each
  call's horizon, next to the desk's return when following the calls (long when bullish, short
  when bearish, flat when neutral).

Calibration groups calls by strength (quarters of 0..1): a stronger call should be right more
often. Groups under `SMALL_SAMPLE` settled calls carry `small_sample`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from cryptodesk.domain.calls import OUTCOMES, Call, Settlement

SMALL_SAMPLE = 30
"""Fewer settled calls than this: the figures are mostly noise (the view says so)."""
BUCKETS: tuple[tuple[float, float], ...] = ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0))


class Rate(BaseModel):
    value: float | None = Field(description="A share from 0 to 1; null without calls.")
    n: int = Field(description="How many calls it is computed on.")


class Average(BaseModel):
    value: float | None = Field(description="Null without calls.")
    n: int


class Spread(BaseModel):
    expected: float | None = Field(description="The expected hit rate of a coin flip.")
    low: float | None = Field(description="The 95 % range of a coin flip over n calls.")
    high: float | None
    n: int


class Bucket(BaseModel):
    low: float
    high: float
    hit_rate: Rate


class Baselines(BaseModel):
    always_bullish: Rate = Field(description="Right when the price rose over the horizon.")
    coin_flip: Spread
    buy_and_hold: Average = Field(description="Average return (%) over the same horizons.")


class ByBias(BaseModel):
    bullish: Average
    bearish: Average
    neutral: Average


class GroupStats(BaseModel):
    engine: str = Field(description="'all' for every engine")
    timeframe: str = Field(description="'all' for every timeframe")
    calls: int
    settled: int
    pending: int
    void: int
    outcomes: dict[str, int] = Field(description="Settled calls by outcome.")
    hit_rate: Rate = Field(description="The horizon's return agreed with the bias.")
    follow_return: Average = Field(
        description="Average return (%) following the calls: long bullish, short bearish, "
        "flat neutral."
    )
    return_by_bias: ByBias = Field(description="Average horizon return (%) by the call's bias.")
    mfe: Average = Field(description="Average maximum favourable excursion (%), directional.")
    mae: Average = Field(description="Average maximum adverse excursion (%).")
    calibration: list[Bucket]
    baselines: Baselines
    small_sample: bool


def _mean(values: Sequence[float]) -> Average:
    return Average(value=sum(values) / len(values) if values else None, n=len(values))


def _rate(flags: Sequence[bool]) -> Rate:
    return Rate(value=sum(flags) / len(flags) if flags else None, n=len(flags))


def _followed(call: Call, settled: Settlement) -> float:
    if call.draft.bias == "bullish":
        return settled.return_pct
    return -settled.return_pct if call.draft.bias == "bearish" else 0.0


def coin_flip(returns: Sequence[float]) -> Spread:
    """A fair flip between bullish and bearish on each call: right half the time when the price
    moved, never when it did not; the spread is 1.96 standard errors of the mean."""
    n = len(returns)
    if n == 0:
        return Spread(expected=None, low=None, high=None, n=0)
    moved = sum(1 for r in returns if r != 0)
    expected = 0.5 * moved / n
    half = 1.96 * 0.5 * math.sqrt(moved) / n
    return Spread(expected=expected, low=max(expected - half, 0.0), high=expected + half, n=n)


def group_stats(engine: str, timeframe: str, calls: Iterable[Call]) -> GroupStats:
    every = list(calls)
    settled = [(c, c.settlement) for c in every if c.settlement is not None]
    returns = [s.return_pct for _, s in settled]
    directional = [(c, s) for c, s in settled if c.draft.bias != "neutral"]
    outcomes = dict.fromkeys(OUTCOMES, 0)
    for _, s in settled:
        outcomes[s.outcome] += 1

    def by_bias(bias: str) -> Average:
        return _mean([s.return_pct for c, s in settled if c.draft.bias == bias])

    buckets = [
        Bucket(
            low=low,
            high=high,
            hit_rate=_rate(
                [
                    s.agreed
                    for c, s in settled
                    if low <= c.draft.strength < high or (high == 1.0 and c.draft.strength == 1.0)
                ]
            ),
        )
        for low, high in BUCKETS
    ]
    return GroupStats(
        engine=engine,
        timeframe=timeframe,
        calls=len(every),
        settled=len(settled),
        pending=sum(1 for c in every if c.status == "pending"),
        void=sum(1 for c in every if c.status == "void"),
        outcomes=outcomes,
        hit_rate=_rate([s.agreed for _, s in settled]),
        follow_return=_mean([_followed(c, s) for c, s in settled]),
        return_by_bias=ByBias(
            bullish=by_bias("bullish"), bearish=by_bias("bearish"), neutral=by_bias("neutral")
        ),
        mfe=_mean([s.mfe_pct for _, s in directional if s.mfe_pct is not None]),
        mae=_mean([s.mae_pct for _, s in settled]),
        calibration=buckets,
        baselines=Baselines(
            always_bullish=_rate([r > 0 for r in returns]),
            coin_flip=coin_flip(returns),
            buy_and_hold=_mean(returns),
        ),
        small_sample=len(settled) < SMALL_SAMPLE,
    )


def summarize(calls: Sequence[Call]) -> tuple[GroupStats, list[GroupStats]]:
    """Every call together, then one group per engine and timeframe (sorted)."""
    groups: dict[tuple[str, str], list[Call]] = {}
    for call in calls:
        groups.setdefault((call.draft.engine, call.draft.timeframe), []).append(call)
    ordered = sorted(groups.items(), key=lambda item: item[0])
    return (
        group_stats("all", "all", calls),
        [group_stats(engine, tf, members) for (engine, tf), members in ordered],
    )
