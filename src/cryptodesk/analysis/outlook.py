"""The structured outlook of one asset from values only: pure and deterministic.

Inputs are the candle window (up to `as_of`, nothing later), its readings and levels; the output
is `domain.outlook.Outlook`. The `assess_outlook` tool gathers the inputs through the run memo,
so every number here equals one the other tools of the run produced.

Horizon by timeframe (`HORIZON_BARS`): 5m → 48 candles (4 h), 15m → 32 (8 h), 1h → 24 (a day),
4h → 12 (2 days), 1d → 7 (a week), 1w → 4 (4 weeks).

Levels: the nearest support below and resistance above the price among the levels found in the
window; a side without one is taken from `wider` levels (a longer look back), else from the
window's low or high (labelled in `levels_note`), else left empty with the reason.

Scenarios, each stated with its rule: bull = a close above resistance, target the next
resistance or else the trigger plus `TARGET_ATR` × ATR14 (a measured move), stop at support;
bear mirrors it. With an entry zone the stop is the nearest support below the zone (else one
ATR14 below it), and risk/reward = (target - entry) / (entry - stop) from the zone's middle
(mirrored for the bear case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptodesk.analysis.bias import Citation, Readings, weigh
from cryptodesk.analysis.levels import Level, LevelKind
from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import Bias, Horizon, Outlook, OutlookLevel, Scenario

ScenarioKind = Literal["bull", "bear"]

HORIZON_BARS: Mapping[str, int] = {"5m": 48, "15m": 32, "1h": 24, "4h": 12, "1d": 7, "1w": 4}
TIMEFRAME_HOURS: Mapping[str, float] = {
    "5m": 5 / 60,
    "15m": 0.25,
    "1h": 1.0,
    "4h": 4.0,
    "1d": 24.0,
    "1w": 168.0,
}
TARGET_ATR = 2.0
"""A measured move: the target this many ATR14 beyond the trigger when no further level exists."""


@dataclass(frozen=True, slots=True)
class Window:
    """The candle window an outlook is built on."""

    symbol: str
    coin_id: str | None
    timeframe: str
    as_of: datetime
    price: float
    high: float
    """Highest high of the window."""
    low: float
    candles: int
    atr: float | None
    source: str
    data_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sides:
    support: float | None
    resistance: float | None
    note: str | None
    levels: tuple[OutlookLevel, ...]


def horizon(timeframe: str, as_of: datetime) -> Horizon:
    bars = HORIZON_BARS[timeframe]
    hours = bars * TIMEFRAME_HOURS[timeframe]
    span = f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"
    return Horizon(
        bars=bars,
        hours=hours,
        ends_at=as_of + timedelta(hours=hours),
        label=f"about {span} ({bars} × {timeframe} candles)",
    )


def _level(kind: LevelKind, price: float, touches: int, reference: float) -> OutlookLevel:
    return OutlookLevel(
        price=price, kind=kind, touches=touches, distance_pct=(price / reference - 1.0) * 100.0
    )


def sides(window: Window, levels: Sequence[Level], wider: Sequence[Level] = ()) -> Sides:
    """Nearest support below and resistance above `window.price`, with fallbacks (module doc)."""
    price = window.price
    found: dict[tuple[LevelKind, float], int] = {(lv.kind, lv.price): lv.touches for lv in levels}
    notes: list[str] = []

    def pick(kind: LevelKind) -> float | None:
        below = kind == "support"
        for source, label in ((levels, None), (wider, "a longer look back")):
            candidates = [
                lv.price
                for lv in source
                if lv.kind == kind and (lv.price < price if below else lv.price > price)
            ]
            if candidates:
                if label is not None:
                    notes.append(f"{kind} from {label} (none in the {window.candles} candles)")
                    for lv in source:
                        if lv.kind == kind:
                            found.setdefault((lv.kind, lv.price), lv.touches)
                return max(candidates) if below else min(candidates)
        extreme = window.low if below else window.high
        if (extreme < price) if below else (extreme > price):
            notes.append(
                f"no {kind} with two touches {'below' if below else 'above'} the price: the "
                f"window's {'low' if below else 'high'} {fmt.price(extreme)} stands in"
            )
            found.setdefault((kind, extreme), 1)
            return extreme
        notes.append(
            f"no {kind}: the price is at the {window.candles}-candle "
            f"{'low' if below else 'high'}, nothing lies {'below' if below else 'above'} it"
        )
        return None

    support, resistance = pick("support"), pick("resistance")
    ordered = sorted(found.items(), key=lambda item: -item[0][1])
    return Sides(
        support,
        resistance,
        "; ".join(notes) or None,
        tuple(_level(kind, at, touches, price) for (kind, at), touches in ordered),
    )


def _beyond(levels: Sequence[OutlookLevel], edge: float, kind: LevelKind) -> float | None:
    """The next level of `kind` past `edge` (above for resistance, below for support)."""
    if kind == "resistance":
        above = [lv.price for lv in levels if lv.kind == kind and lv.price > edge]
        return min(above) if above else None
    below = [lv.price for lv in levels if lv.kind == kind and lv.price < edge]
    return max(below) if below else None


def _risk_reward(
    kind: ScenarioKind,
    entry_zone: tuple[float, float] | None,
    target: float | None,
    stop: float | None,
) -> float | None:
    if entry_zone is None or target is None or stop is None:
        return None
    entry = sum(entry_zone) / 2
    risk, reward = (
        (entry - stop, target - entry) if kind == "bull" else (stop - entry, entry - target)
    )
    return round(reward / risk, 2) if risk > 0 and reward > 0 else None


def _stop(
    kind: ScenarioKind,
    found: Sides,
    entry_zone: tuple[float, float] | None,
    atr: float | None,
) -> float | None:
    """Where a scenario is wrong: beyond the level on the other side of the price, or, from an
    entry zone, beyond the nearest level past the zone (else one ATR14 past it)."""
    if entry_zone is None:
        return found.support if kind == "bull" else found.resistance
    low, high = entry_zone
    if kind == "bull":
        below = _beyond(found.levels, low, "support")
        return below if below is not None else (low - atr if atr is not None else None)
    above = _beyond(found.levels, high, "resistance")
    return above if above is not None else (high + atr if atr is not None else None)


def scenarios(
    window: Window, found: Sides, entry_zone: tuple[float, float] | None = None
) -> tuple[Scenario, ...]:
    """A bull and a bear scenario (module doc); a side without a level gets no trigger price."""
    tf, atr = window.timeframe, window.atr
    out: list[Scenario] = []
    sides_: tuple[tuple[ScenarioKind, float | None, LevelKind], ...] = (
        ("bull", found.resistance, "resistance"),
        ("bear", found.support, "support"),
    )
    for kind, edge, level_kind in sides_:
        up = kind == "bull"
        stop = _stop(kind, found, entry_zone, atr)
        if edge is None:
            side = "high" if up else "low"
            trigger = f"a new {window.candles}-candle {side}: no {level_kind} to break"
            out.append(Scenario(kind=kind, trigger=trigger, entry_zone=entry_zone))
            continue
        target = _beyond(found.levels, edge, level_kind)
        how = f"next {level_kind}"
        if target is None and atr is not None:
            target = edge + TARGET_ATR * atr if up else edge - TARGET_ATR * atr
            how = f"{TARGET_ATR:g} × ATR14 {'above' if up else 'below'} the trigger"
        aim = f", target {fmt.price(target)} ({how})" if target is not None else ""
        trigger = f"a {tf} close {'above' if up else 'below'} {fmt.price(edge)} ({level_kind}){aim}"
        out.append(
            Scenario(
                kind=kind,
                trigger=trigger,
                trigger_price=edge,
                target=target,
                entry_zone=entry_zone,
                stop=stop,
                risk_reward=_risk_reward(kind, entry_zone, target, stop),
            )
        )
    return tuple(out)


def invalidation(bias: Bias, found: Sides) -> tuple[float | None, str]:
    """The level whose break negates the bias, and the sentence that says so."""
    if bias == "bullish":
        if found.support is None:
            return None, "no support below the price to invalidate the bullish lean against"
        return found.support, f"a close below support {fmt.price(found.support)}"
    if bias == "bearish":
        if found.resistance is None:
            return None, "no resistance above the price to invalidate the bearish lean against"
        return found.resistance, f"a close above resistance {fmt.price(found.resistance)}"
    return None, "neutral: no lean to invalidate; a close beyond support or resistance sets one"


def assess(
    window: Window,
    readings: Readings,
    levels: Sequence[Level],
    cite: Mapping[str, Citation],
    *,
    wider: Sequence[Level] = (),
    entry_zone: tuple[float, float] | None = None,
) -> Outlook:
    """The outlook of `window`: bias and signals, levels, invalidation, scenarios, horizon."""
    bias, strength, signals = weigh(readings, cite)
    found = sides(window, levels, wider)
    level, note = invalidation(bias, found)
    return Outlook(
        symbol=window.symbol,
        coin_id=window.coin_id,
        timeframe=window.timeframe,
        as_of=window.as_of,
        price=window.price,
        bias=bias,
        strength=strength,
        signals=list(signals),
        horizon=horizon(window.timeframe, window.as_of),
        support=found.support,
        resistance=found.resistance,
        levels_note=found.note,
        levels=list(found.levels),
        invalidation=level,
        invalidation_note=note,
        scenarios=list(scenarios(window, found, entry_zone)),
        source=window.source,
        data_labels=list(window.data_labels),
    )
