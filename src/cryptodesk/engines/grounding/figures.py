"""The figures of a markdown report: prices, percentages, levels, indicator values.

What counts as a figure:

- a number with optional sign (`-`, `+`, `−`), currency (`$`, `US$`, `€`, `£`), thousands
  separators (`64,468.01`) and decimals, followed by an optional `%` (or "percent"), a magnitude
  (`K`, `M`, `B`, `T`, `k`, `bn`, "thousand", "million", "billion", "trillion") or `x`;
- its value is the number read with that magnitude (`$1.2B` is 1.2e9; `2.5%` is 2.5);
- its tolerance is half a unit of the last digit shown (`64,468.01`: 0.005; `1.2B`: 0.05e9). An
  integer ending in zeros is read as rounded to at least two significant digits (`65,000`:
  500, `300`: 5), so "equal after the rounding shown" holds for figures written rounded.

What is skipped (not a figure):

- dates and times (`2026-07-02`, `14:00 UTC`, `July 2, 2026`, `April 2026`), and years (a bare
  integer from 1900 to 2100);
- numbers joined to a word: timeframes and periods (`4h`, `15m`, `1st`), indicator names
  (`RSI14`, `SMA200`, `+DI14`), hyphenated periods (`20-day`, `14-period`), identifiers
  (`chart-3`), and periods in parentheses after a name (`RSI(14)`, `MACD(12, 26, 9)`);
- list and heading numbers (`1. `, `2) ` at the start of a line), citations (`[1: get_ohlc]`,
  `[2, 3]`, `[^1]`), inline code and code blocks (identifiers, file names, arguments), links'
  targets and bare URLs.

A `-` is a sign only after a space or punctuation; between two numbers it is a range
(`1,605-1,635`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_SKIPPED = re.compile(
    "|".join(
        (
            r"```.*?```",  # code blocks
            r"`[^`\n]*`",  # inline code
            r"\]\([^)\s]*\)",  # a link's target
            r"https?://\S+",
            r"\[\^?\s*\d[^\]\n]*\]",  # citations and footnotes
            r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?",
            r"\d{4}/\d{2}/\d{2}|\b\d{1,2}/\d{1,2}/\d{2,4}\b",
            r"\b\d{1,2}:\d{2}(?::\d{2})?\b",
            rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b",
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b(?:,?\s+\d{{4}})?",
            rf"\b{_MONTH}\s+\d{{4}}\b",
            r"^[ \t]*(?:[-*+][ \t]+)?\d+[.)](?=[ \t])",  # list numbers
            r"^#+[ \t]+\d+[.)]?",  # numbered headings
            r"(?<=[A-Za-z])\([\d,\s.]+\)",  # periods: RSI(14), MACD(12, 26, 9)
        )
    ),
    re.DOTALL | re.MULTILINE,
)
_NUMBER = re.compile(
    r"(?P<sign>[-+\u2212])?"
    r"(?P<currency>(?:US)?\$|€|£)?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<suffix>\s?%|\s?percent\b|\s(?:thousand|million|billion|trillion)\b"
    r"|(?:bn|mn|[KMBTk])(?![A-Za-z])|[x×](?![A-Za-z]))?"
)
_SCALES = {
    "k": 1e3,
    "K": 1e3,
    "thousand": 1e3,
    "M": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "B": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "T": 1e12,
    "trillion": 1e12,
}
_SIGN_AFTER = frozenset(" \t\n(|[:;,=~≈/*_>")
"""Characters after which a `-` or `+` is a sign (not a hyphen or a range)."""


@dataclass(frozen=True, slots=True)
class Figure:
    text: str
    """As the report writes it (sign, currency and suffix included)."""
    value: float
    tolerance: float
    percent: bool
    signed: bool
    """The text carries a sign: only a value of that sign matches."""
    start: int
    end: int


def figures(markdown: str) -> list[Figure]:
    """Every figure of `markdown`, in order (see the module's rules)."""
    masked = _SKIPPED.sub(lambda m: " " * len(m.group(0)), markdown)
    found: list[Figure] = []
    for match in _NUMBER.finditer(masked):
        figure = _figure(masked, match)
        if figure is not None:
            found.append(figure)
    return found


def _figure(text: str, match: re.Match[str]) -> Figure | None:
    start, end = match.span()
    sign, currency, digits = match["sign"], match["currency"], match["digits"]
    suffix = (match["suffix"] or "").strip()
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if sign and not (start == 0 or before in _SIGN_AFTER):
        if before.isdigit():  # a range: 1,605-1,635
            start, sign = start + 1, None
            before = text[start - 1]
        else:  # a hyphenated word: chart-3, H-4
            return None
    if before.isalnum() or before in "_.":
        return None  # RSI14, v1.2, ETH2
    if after.isalpha() or after == "_" or (after == "-" and text[end + 1 : end + 2].isalpha()):
        return None  # 4h, 1st, 20-day
    if digits.startswith(".") and before.isdigit():
        return None
    plain = digits.replace(",", "")
    if not (sign or currency or suffix or "." in plain) and 1900 <= int(plain) <= 2100:
        return None  # a year
    value = float(plain)
    scale = _SCALES.get(suffix, 1.0)
    negative = sign in ("-", "\u2212")
    return Figure(
        text=text[start:end],
        value=(-value if negative else value) * scale,
        tolerance=_tolerance(plain) * scale,
        percent=suffix in ("%", "percent"),
        signed=sign is not None,
        start=start,
        end=end,
    )


def _tolerance(plain: str) -> float:
    """Half a unit of the last digit shown; trailing zeros of an integer as rounding to at
    least two significant digits."""
    if "." in plain:
        return 0.5 * 10.0 ** -len(plain.split(".")[1]) * (1 + 1e-9)
    significant = plain.lstrip("0") or "0"
    zeros = len(significant) - len(significant.rstrip("0"))
    return 0.5 * 10.0 ** min(zeros, max(len(significant) - 2, 0)) * (1 + 1e-9)
