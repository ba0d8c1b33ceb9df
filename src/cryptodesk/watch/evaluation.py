"""Rule evaluation, pure: the latest market readings in, what each rule does out.

A rule fires when its condition is met while it is armed and not cooling down; any update that
finds the condition met disarms it (so it fires once per crossing), and an update that finds it
not met arms it again. A crossing inside the cooldown disarms the rule without firing: it is
swallowed, not postponed. `level_cross` is met only on the update whose previous price lay on
the other side of the level (or on it), so it is a crossing by nature.

The book indexes rules by coin (and evaluates only the coins of the update), so an update costs
one pass over the rules of the coins it carries and no I/O; the watcher persists what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from cryptodesk.rules.conditions import ConditionKind, Direction, Window

Action = Literal["fire", "disarm", "arm"]
Values = dict[str, float | str | None]


@dataclass(frozen=True, slots=True)
class Quote:
    price: float
    change_24h_pct: float | None
    as_of: datetime
    source: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreviousPrice:
    price: float
    at: datetime


@dataclass(frozen=True, slots=True)
class CandleReading:
    """What the candles of one coin and timeframe say: the last closed candle's RSI (by period)
    and its volume against the average of the candles before it (by period)."""

    as_of: datetime
    rsi: Mapping[int, float]
    volume: float | None
    average_volume: Mapping[int, float]


@dataclass(slots=True)
class Snapshot:
    """Everything one update knows. Missing entries mean "not known now": the rules that need
    them are skipped (neither fired nor re-armed), never evaluated against a default."""

    now: datetime
    quotes: dict[str, Quote]
    previous: dict[str, PreviousPrice] = field(default_factory=dict)
    window_prices: dict[tuple[str, Window], float] = field(default_factory=dict)
    """The price at the start of each window, from the ticks."""
    candles: dict[tuple[str, str], CandleReading] = field(default_factory=dict)
    funding_pct: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class RuleState:
    """A rule as the watcher holds it: its definition and its mutable state."""

    id: str
    coin_id: str
    symbol: str
    kind: ConditionKind
    value: float
    window: Window | None
    direction: Direction | None
    timeframe: str | None
    period: int | None
    cooldown_s: int
    created_at: datetime
    armed: bool = True
    last_fired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    rule: RuleState
    action: Action
    values: Values


class RuleBook:
    """The active rules, indexed by coin."""

    def __init__(self, rules: Iterable[RuleState] = ()) -> None:
        self._by_coin: dict[str, list[RuleState]] = {}
        self.count = 0
        for rule in rules:
            self._by_coin.setdefault(rule.coin_id, []).append(rule)
            self.count += 1

    def coins(self) -> set[str]:
        return set(self._by_coin)

    def rules(self) -> Iterable[RuleState]:
        for rules in self._by_coin.values():
            yield from rules

    def evaluate(self, snapshot: Snapshot) -> list[Decision]:
        """What changes, rule by rule; the states in the book are updated as decided."""
        decisions: list[Decision] = []
        for coin_id, rules in self._by_coin.items():
            quote = snapshot.quotes.get(coin_id)
            if quote is None:
                continue
            for rule in rules:
                reading = _measure(rule, quote, snapshot)
                if reading is None:
                    continue
                met, values = reading
                decision = _decide(rule, met, values, snapshot.now)
                if decision is not None:
                    decisions.append(decision)
        return decisions


def _decide(rule: RuleState, met: bool, values: Values, now: datetime) -> Decision | None:
    if not met:
        if rule.armed:
            return None
        rule.armed = True
        return Decision(rule, "arm", values)
    if not rule.armed:
        return None
    rule.armed = False
    cooling = rule.last_fired_at is not None and now - rule.last_fired_at < timedelta(
        seconds=rule.cooldown_s
    )
    if cooling:
        return Decision(rule, "disarm", values)
    rule.last_fired_at = now
    return Decision(rule, "fire", values)


def _measure(rule: RuleState, quote: Quote, snap: Snapshot) -> tuple[bool, Values] | None:
    """(condition met, the values it rests on), or None when they are not known now."""
    price = quote.price
    value = rule.value
    match rule.kind:
        case "price_above":
            return price > value, {"price": price, "threshold": value}
        case "price_below":
            return price < value, {"price": price, "threshold": value}
        case "level_cross":
            previous = snap.previous.get(rule.coin_id)
            if previous is None or previous.at < rule.created_at:
                return None  # no price seen since the rule exists: nothing crossed yet
            crossed = (previous.price < value <= price) or (previous.price > value >= price)
            return crossed, {"price": price, "previous_price": previous.price, "level": value}
        case "pct_move":
            return _pct_move(rule, price, snap)
        case "rsi_above" | "rsi_below":
            reading = snap.candles.get((rule.coin_id, rule.timeframe or ""))
            rsi = reading.rsi.get(rule.period or 0) if reading is not None else None
            if rsi is None:
                return None
            met = rsi > value if rule.kind == "rsi_above" else rsi < value
            return met, {"rsi": round(rsi, 2), "threshold": value, "price": price}
        case "volume_spike":
            reading = snap.candles.get((rule.coin_id, rule.timeframe or ""))
            average = reading.average_volume.get(rule.period or 0) if reading else None
            if reading is None or reading.volume is None or not average:
                return None
            ratio = reading.volume / average
            values: Values = {"volume": reading.volume, "average_volume": average}
            return ratio >= value, {**values, "ratio": round(ratio, 2), "threshold": value}
        case "funding_above" | "funding_below":
            rate = snap.funding_pct.get(rule.coin_id)
            if rate is None:
                return None
            met = rate > value if rule.kind == "funding_above" else rate < value
            return met, {"funding_rate_pct": rate, "threshold": value, "price": price}
    return None


def _pct_move(rule: RuleState, price: float, snap: Snapshot) -> tuple[bool, Values] | None:
    window = rule.window or "1h"
    start = snap.window_prices.get((rule.coin_id, window))
    if start is None or start <= 0:
        return None
    move = (price - start) / start * 100
    direction = rule.direction or "either"
    if direction == "up":
        met = move >= rule.value
    elif direction == "down":
        met = move <= -rule.value
    else:
        met = abs(move) >= rule.value
    return met, {
        "price": price,
        "start_price": start,
        "move_pct": round(move, 4),
        "threshold": rule.value,
        "window": window,
    }
