"""How numbers and times read wherever a user sees them: reports, tool previews, chart specs
(level labels) and the PNG. One place, so a value reads the same everywhere.

Numbers keep their meaning at every magnitude: precision is relative to the value, so DOGE's SMA50
reads 0.07412 and its MACD -0.000512 (never 0.07 and -0.00), while BTC's SMA50 reads 65,530.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

SIGNIFICANT = 4
"""Significant digits of an indicator value (integers of five digits and more keep them all)."""
_MAX_DECIMALS = 12
_TRAILING = " ;,:|(-"


def _decimals(magnitude: float, significant: int) -> int:
    """Decimals that show `significant` digits of a value of this magnitude (none above)."""
    if magnitude == 0 or not math.isfinite(magnitude):
        return 0
    return min(max(significant - 1 - math.floor(math.log10(magnitude)), 0), _MAX_DECIMALS)


def significant(value: float, digits: int = SIGNIFICANT) -> str:
    """`value` with `digits` significant digits, thousands separators and no trailing zeros:
    65,530 · 71.35 · 0.07412 · -0.000512."""
    if not math.isfinite(value):
        return str(value)
    decimals = _decimals(abs(value), digits)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def price(value: float) -> str:
    """Cents from 10 up, four decimals between 1 and 10, four significant digits below 1."""
    magnitude = abs(value)
    if magnitude >= 10 or magnitude == 0:
        return f"{value:,.2f}"
    if magnitude >= 1:
        return f"{value:,.4f}"
    return f"{value:.{_decimals(magnitude, 4)}f}"


def usd(value: float) -> str:
    return f"${price(value)}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}%"


def number(value: float | None, decimals: int | None = None) -> str:
    """An indicator or statistic: significant digits by default, fixed `decimals` when given
    (amounts of an order book, counts)."""
    if value is None:
        return "n/a"
    if decimals is None:
        return significant(value)
    return f"{value:,.{decimals}f}"


def compact_usd(value: float | None) -> str:
    if value is None:
        return "n/a"
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= threshold:
            return f"${value / threshold:,.2f}{suffix}"
    return f"${value:,.2f}"


def when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d")


def when_epoch(epoch_s: int) -> str:
    return when(datetime.fromtimestamp(epoch_s, tz=UTC))


def candles_ago(bars: int) -> str:
    """'on the last candle', '1 candle ago', '5 candles ago'."""
    if bars == 0:
        return "on the last candle"
    return f"{bars} candle ago" if bars == 1 else f"{bars} candles ago"


def duration(seconds: float) -> str:
    """A rough span, written like a timeframe: '45min', '5h', '9d 17h', '3w'."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}min"
    hours = round(seconds / 3600)
    if hours < 48:
        return f"{hours}h"
    days, rest = divmod(hours, 24)
    if days < 21:
        return f"{days}d {rest}h" if rest else f"{days}d"
    return f"{round(days / 7)}w"


def clip(text: str, limit: int = 500) -> str:
    """`text` cut to `limit` characters with an ellipsis, at a separator: never inside a number
    or a word."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    # Words and numbers ("65,530.41", "+2.5%") hold no space: cut at the last one.
    if not text[limit - 1].isspace():
        cut = head.rfind(" ")
        if cut > 0:
            head = head[:cut]
    return head.rstrip(_TRAILING) + "…"


def freshness(*, stale: bool, age_s: float | None, fallback: bool) -> str:
    """The label a market value's preview starts with when it is not fresh live data."""
    labels = []
    if fallback:
        labels.append("FALLBACK (live source unreachable)")
    if stale:
        age = f" (age {age_s:.0f} s)" if age_s is not None else ""
        labels.append(f"STALE{age}")
    return " ".join(labels) + ": " if labels else ""
