"""How numbers and times read in tool previews and reports (one place, so they agree)."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def price(value: float) -> str:
    """Two decimals from 10 up, four significant digits below 1, four decimals between."""
    magnitude = abs(value)
    if magnitude >= 10 or magnitude == 0:
        return f"{value:,.2f}"
    if magnitude >= 1:
        return f"{value:,.4f}"
    decimals = 3 - math.floor(math.log10(magnitude))
    return f"{value:.{decimals}f}"


def usd(value: float) -> str:
    return f"${price(value)}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}%"


def number(value: float | None, decimals: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{decimals}f}"


def compact_usd(value: float | None) -> str:
    if value is None:
        return "n/a"
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= threshold:
            return f"${value / threshold:,.2f}{suffix}"
    return f"${value:,.2f}"


def when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def when_epoch(epoch_s: int) -> str:
    return when(datetime.fromtimestamp(epoch_s, tz=UTC))


def clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def freshness(*, stale: bool, age_s: float | None, fallback: bool) -> str:
    """The label a market value's preview starts with when it is not fresh live data."""
    labels = []
    if fallback:
        labels.append("FALLBACK (live source unreachable)")
    if stale:
        age = f" (age {age_s:.0f} s)" if age_s is not None else ""
        labels.append(f"STALE{age}")
    return " ".join(labels) + ": " if labels else ""
