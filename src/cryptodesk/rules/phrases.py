"""What a chat message asks of the watcher, read without an LLM: "alert me if BTC drops below
60k", "tell me when ETH breaks 4,000", "alert me if SOL moves 5% in an hour", "watch ETH",
"stop watching ETH", and "yes" to confirm a proposed alert.

The offline analyst acts on what this finds; both engines use `is_confirmation` so that only
the person's own "yes" (or the Save button) ever turns a proposal into an active rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptodesk.domain.watching import WatchAction

RequestKind = Literal["alert", "watch", "unwatch", "confirm"]

_CONFIRM = re.compile(
    r"^\s*(yes|y|yep|yeah|confirm(ed)?|save( it| the alert)?|ok(ay)?|do it|go ahead|"
    r"yes,? (please|save it|confirm|do it))[\s.!]*$",
    re.IGNORECASE,
)
_ALERT = re.compile(
    r"\b(alert|notify|ping|tell|warn|let me know|message|text|remind)\b", re.IGNORECASE
)
_UNWATCH = re.compile(
    r"\b(stop watching|unwatch|remove\b.*\bfrom (my |the )?watch ?list|"
    r"take\b.*\boff (my |the )?watch ?list)",
    re.IGNORECASE,
)
_WATCH = re.compile(
    r"^\s*(please\s+)?(watch|follow|track|keep an eye on)\b|\badd\b.*\bto (my |the )?watch ?list",
    re.IGNORECASE,
)
_NUMBER = r"\$?\s*(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<suf>[km])?\b"
_BELOW = (
    r"(drops?|falls?|goes|dips?|trades?|is|gets?|sinks?|slips?)?\s*(below|under|beneath|less than)"
)
_ABOVE = (
    r"(rises?|goes|climbs?|trades?|is|gets?|jumps?|moves?)?\s*(above|over|past|more than|beyond)"
)
_CROSS = r"(breaks?|crosses|hits?|reaches|touches|tags?)"
_WINDOWS = (
    (re.compile(r"\b(5|five) ?(m|min|mins|minutes?)\b", re.I), "5m"),
    (re.compile(r"\b(15|fifteen) ?(m|min|mins|minutes?)\b", re.I), "15m"),
    (re.compile(r"\b(4|four) ?(h|hrs?|hours?)\b", re.I), "4h"),
    (re.compile(r"\b(24 ?h|24 hours?|a day|one day|1 ?d|today)\b", re.I), "24h"),
    (re.compile(r"\b(an|one|1) ?(h|hr|hour)\b|\bhourly\b", re.I), "1h"),
)
_TIMEFRAME = re.compile(r"\bon (the )?(5m|15m|1h|4h|1d|1w)\b|\b(5m|15m|1h|4h|1d|1w)\b", re.I)


@dataclass(frozen=True, slots=True)
class WatchRequest:
    kind: RequestKind
    condition: dict[str, Any] | None = None
    """For alerts: the `Condition` fields understood (None when they could not be read)."""
    problem: str | None = None
    """What could not be understood, in words the answer can show."""


def is_confirmation(text: str) -> bool:
    """A bare "yes", "confirm", "save it": the person confirming a proposed alert."""
    return bool(_CONFIRM.match(text))


def read_request(text: str) -> WatchRequest | None:
    """The watcher request `text` makes, or None when it asks something else."""
    if is_confirmation(text):
        return WatchRequest("confirm")
    if _UNWATCH.search(text):
        return WatchRequest("unwatch")
    if _ALERT.search(text) and re.search(r"\b(if|when|once|whenever|as soon as)\b", text, re.I):
        condition, problem = read_condition(text)
        return WatchRequest("alert", condition, problem)
    if _WATCH.search(text):
        return WatchRequest("watch")
    return None


def read_condition(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The condition of an alert request, or why it cannot be read."""
    lowered = text.lower()
    timeframe = _timeframe(text)
    if "rsi" in lowered:
        found = _after(rf"rsi.*?{_ABOVE}\s*{_NUMBER}", text) or _after(
            rf"rsi.*?{_BELOW}\s*{_NUMBER}", text
        )
        kind = "rsi_above" if _after(rf"rsi.*?{_ABOVE}\s*{_NUMBER}", text) else "rsi_below"
        if found is None:
            return None, "which RSI level (e.g. 'RSI above 70')"
        return _with({"kind": kind, "value": found}, timeframe=timeframe), None
    if "funding" in lowered:
        above = _after(rf"funding.*?{_ABOVE}\s*(?P<sign>-?){_NUMBER}", text)
        below = _after(rf"funding.*?{_BELOW}\s*(?P<sign>-?){_NUMBER}", text)
        if above is None and below is None:
            return None, "which funding rate (e.g. 'funding above 0.05%')"
        kind = "funding_above" if above is not None else "funding_below"
        return {"kind": kind, "value": above if above is not None else below}, None
    if "volume" in lowered:
        times = _after(r"(\d+(?:\.\d+)?)\s*(x|×|times)", text, plain=True)
        return _with({"kind": "volume_spike", "value": times or 3.0}, timeframe=timeframe), None
    if "%" in text or "percent" in lowered:
        move = _after(r"(\d+(?:\.\d+)?)\s*(%|percent)", text, plain=True)
        if move is None:
            return None, "how large a move (e.g. 'moves 5% in an hour')"
        direction = "either"
        if re.search(r"\b(drops?|falls?|dumps?|down|sinks?|loses?|crash(es)?)\b", lowered):
            direction = "down"
        elif re.search(r"\b(rises?|jumps?|pumps?|up|gains?|climbs?|rallies)\b", lowered):
            direction = "up"
        window = next((w for pattern, w in _WINDOWS if pattern.search(text)), "1h")
        return {"kind": "pct_move", "value": move, "window": window, "direction": direction}, None
    for pattern, kind in (
        (_BELOW, "price_below"),
        (_ABOVE, "price_above"),
        (_CROSS, "level_cross"),
    ):
        value = _after(rf"{pattern}\s*{_NUMBER}", text)
        if value is not None:
            return {"kind": kind, "value": value}, None
    return None, "the price or the condition (e.g. 'alert me if BTC drops below 60k')"


def _after(pattern: str, text: str, *, plain: bool = False) -> float | None:
    """The number `pattern` captures (`num`, with a `k`/`m` suffix and an optional `sign`), or
    its first group when `plain`."""
    match = re.search(pattern, text, re.IGNORECASE)
    if match is None:
        return None
    if plain:
        return float(match.group(1))
    groups = match.groupdict()
    value = float(groups["num"].replace(",", ""))
    value *= {"k": 1e3, "m": 1e6}.get((groups.get("suf") or "").lower(), 1.0)
    return -value if groups.get("sign") == "-" else value


def _timeframe(text: str) -> str | None:
    match = _TIMEFRAME.search(text)
    if match is None:
        return None
    return (match.group(2) or match.group(3)).lower()


def _with(condition: dict[str, Any], **extra: str | None) -> dict[str, Any]:
    return {**condition, **{k: v for k, v in extra.items() if v is not None}}


def watch_summary(actions: Sequence[WatchAction]) -> str:
    """The desk's own account of what an answer did to the watcher (appended to an LLM's
    report, so a proposal always reads exactly as stored)."""
    lines = ["## Watcher"]
    for action in actions:
        if action.action == "alert_proposed":
            lines.append(
                f"- Proposed alert (not active yet): **{action.label}** (id `{action.alert_id}`)."
                " Press Save alert, or reply **yes**, to start watching."
            )
        elif action.action == "alert_confirmed":
            lines.append(f"- Alert active: **{action.label}**.")
        elif action.action == "watched":
            lines.append(f"- {action.symbol} is on your watchlist.")
        else:
            lines.append(f"- {action.symbol} is off your watchlist.")
    return "\n".join(lines)
