"""What the LLM runs of one UTC day spent: the total the daily spending cap compares with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class DaySpend:
    day: str
    """YYYY-MM-DD, UTC."""
    runs: int
    tokens: int
    cost_usd: float
    """Of the runs with a known price; `unpriced` counts the others."""
    unpriced: int = 0


def utc_day(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d")
