"""Market breadth: how many coins rose and fell, the average move, leaders and laggards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MOVERS = 3
FLAT_PCT = 0.1
"""A 24 h change within ±0.1 % counts as unchanged."""
BROAD = 0.75
"""The share of risers (or fallers) that makes a move broad."""

Tone = Literal["broadly up", "broadly down", "mixed", "flat"]


@dataclass(frozen=True, slots=True)
class Move:
    symbol: str
    change_pct: float


@dataclass(frozen=True, slots=True)
class Breadth:
    coins: int
    """Coins with a known change."""
    up: int
    down: int
    unchanged: int
    average_pct: float
    leaders: tuple[Move, ...]
    """Largest rises first."""
    laggards: tuple[Move, ...]
    """Largest falls first."""
    tone: Tone


def breadth(changes: Sequence[tuple[str, float | None]], movers: int = MOVERS) -> Breadth | None:
    """Breadth of the coins' 24 h changes; None when no change is known."""
    moves = [Move(symbol, change) for symbol, change in changes if change is not None]
    if not moves:
        return None
    up = sum(m.change_pct > FLAT_PCT for m in moves)
    down = sum(m.change_pct < -FLAT_PCT for m in moves)
    ranked = sorted(moves, key=lambda m: -m.change_pct)
    count = len(moves)
    tone: Tone = "mixed"
    if up >= BROAD * count:
        tone = "broadly up"
    elif down >= BROAD * count:
        tone = "broadly down"
    elif up == down == 0:
        tone = "flat"
    shown = min(movers, count // 2) or 1
    return Breadth(
        coins=count,
        up=up,
        down=down,
        unchanged=count - up - down,
        average_pct=sum(m.change_pct for m in moves) / count,
        leaders=tuple(m for m in ranked[:shown] if m.change_pct > FLAT_PCT),
        laggards=tuple(m for m in reversed(ranked[-shown:]) if m.change_pct < -FLAT_PCT),
        tone=tone,
    )
