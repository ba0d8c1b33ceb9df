"""Times in a question: the candle timeframe, the lookback period and a past date window.

"last 4 hours" is a lookback, not a 4h timeframe; "in May 2022", "on 2024-03-14", "in 2021" and
"between 2024-01-01 and 2024-02-01" are past windows (for history questions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptodesk.tools.market import Period

_UNIT_SECONDS = {
    "m": 60,
    "h": 3600,
    "d": 86_400,
    "w": 604_800,
    "mo": 30 * 86_400,
    "y": 365 * 86_400,
}
_UNIT_WORDS = (
    r"(?P<unit>m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|wk|wks|weeks?|months?|mo|y|yrs?"
    r"|years?)"
)
_PERIOD = re.compile(
    rf"\b(?:last|past|over|previous|within)\s+(?:the\s+)?(?P<n>\d+)?\s*-?\s*{_UNIT_WORDS}\b", re.I
)
_THIS = re.compile(r"\b(?:this|the past|past|last)\s+(?P<unit>day|week|month|quarter|year)\b", re.I)
_TIMEFRAME = re.compile(rf"(?<![\w.])(?P<n>\d+)\s*-?\s*{_UNIT_WORDS}\b(?!\s*(?:ago|change))", re.I)
_NAMED_TIMEFRAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bhourly\b", re.I), "1h"),
    (re.compile(r"\b(daily|day chart)\b", re.I), "1d"),
    (re.compile(r"\b(weekly|week chart)\b", re.I), "1w"),
)
_PERIOD_DAYS: tuple[tuple[float, Period], ...] = (
    (1, "24h"),
    (7, "7d"),
    (30, "30d"),
    (90, "90d"),
    (180, "180d"),
)
PERIOD_TIMEFRAME: dict[Period, str] = {
    "24h": "1h",
    "7d": "1h",
    "30d": "4h",
    "90d": "1d",
    "180d": "1d",
    "1y": "1d",
}
_THIS_PERIOD: dict[str, Period] = {
    "day": "24h",
    "week": "7d",
    "month": "30d",
    "quarter": "90d",
    "year": "1y",
}
_MONTHS = (
    "jan feb mar apr may jun jul aug sep oct nov dec".split(),
    "january february march april may june july august september october november december".split(),
)
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
_MONTH += r"sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\.?\s+(?P<year>(?:19|20)\d\d)\b", re.I)
_ISO_DAY = r"(?:19|20)\d\d-\d\d-\d\d"
_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+(?P<a>{_ISO_DAY})\s+(?:and|to|until)\s+(?P<b>{_ISO_DAY})"
)
_DAY = re.compile(rf"\b(?P<day>{_ISO_DAY})\b")
_YEAR = re.compile(r"\b(?:in|during|of)\s+(?P<year>(?:19|20)\d\d)\b", re.I)


@dataclass(frozen=True, slots=True)
class DateWindow:
    """A past window named in a question, [start, end) in UTC."""

    start: datetime
    end: datetime
    label: str
    """As the question put it: "May 2022", "2024-03-14"."""


def _unit_seconds(unit: str) -> int:
    unit = unit.lower()
    if unit.startswith("mo"):
        return _UNIT_SECONDS["mo"]
    if unit.startswith("mi") or unit == "m":
        return _UNIT_SECONDS["m"]
    return _UNIT_SECONDS[unit[0]]


def _period_of(seconds: int) -> Period:
    days = seconds / 86_400
    return next((period for limit, period in _PERIOD_DAYS if days <= limit), "1y")


def parse_period(text: str) -> tuple[Period | None, str]:
    """The lookback and the text without it (so "last 4 hours" is not a 4h timeframe)."""
    match = _PERIOD.search(text)
    if match is not None:
        count = int(match.group("n") or 1)
        period = _period_of(count * _unit_seconds(match.group("unit")))
        return period, text[: match.start()] + " " + text[match.end() :]
    match = _THIS.search(text)
    if match is not None:
        rest = text[: match.start()] + text[match.end() :]
        return _THIS_PERIOD[match.group("unit").lower()], rest
    if re.search(r"\btoday\b", text, re.I):
        return "24h", text
    return None, text


def _timeframe_label(count: int, unit: str) -> str:
    seconds = count * _unit_seconds(unit)
    labels = {60: "m", 3600: "h", 86_400: "d", 604_800: "w"}
    for size in sorted(labels, reverse=True):
        if seconds % size == 0:
            return f"{seconds // size}{labels[size]}"
    return f"{count}{unit}"


def parse_timeframe(text: str) -> str | None:
    for match in _TIMEFRAME.finditer(text):
        label = _timeframe_label(int(match.group("n")), match.group("unit"))
        if label in ("24h", "48h"):
            continue  # "24h" is a lookback ("24h change"), not a candle size
        return label
    for pattern, timeframe in _NAMED_TIMEFRAMES:
        if pattern.search(text):
            return timeframe
    return None


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")[:3]
    return _MONTHS[0].index(key) + 1


def _day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)


def parse_date_window(text: str) -> tuple[DateWindow | None, str]:
    """A past window named in `text` and the text without it (its digits are no timeframe)."""
    match = _BETWEEN.search(text)
    if match is not None:
        start, end = _day(match.group("a")), _day(match.group("b")) + timedelta(days=1)
        label = f"{match.group('a')} to {match.group('b')}"
        window = DateWindow(start, end, label)
    elif (match := _MONTH_YEAR.search(text)) is not None:
        year, month = int(match.group("year")), _month_number(match.group("month"))
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        window = DateWindow(start, end, start.strftime("%B %Y"))
    elif (match := _DAY.search(text)) is not None:
        start = _day(match.group("day"))
        window = DateWindow(start, start + timedelta(days=1), match.group("day"))
    elif (match := _YEAR.search(text)) is not None:
        year = int(match.group("year"))
        start = datetime(year, 1, 1, tzinfo=UTC)
        window = DateWindow(start, datetime(year + 1, 1, 1, tzinfo=UTC), str(year))
    else:
        return None, text
    return window, text[: match.start()] + " " + text[match.end() :]
