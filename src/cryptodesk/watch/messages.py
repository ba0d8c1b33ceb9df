"""The words of a notification: its title, what happened with the values, and the question of
the follow-up analysis. Numbers go through the one formatter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from cryptodesk.domain import format as fmt
from cryptodesk.errors import upstream_name

LABEL_WORDS = {
    "simulated": "simulated demo data",
    "fallback": "demo data standing in for an unreachable source",
    "stale": "a cached (stale) price",
    "replay": "replayed data",
}


def alert_title(label: str) -> str:
    return f"🔔 {label}"


def alert_message(
    symbol: str,
    kind: str,
    values: Mapping[str, float | str | None],
    *,
    source: str,
    as_of: datetime,
    labels: Sequence[str],
) -> str:
    """One or two sentences: what the market did, with the values that triggered the rule."""
    price = values.get("price")
    now = f"{symbol} is at {fmt.usd(float(price))}" if isinstance(price, float) else symbol
    if kind in ("price_above", "price_below"):
        side = "above" if kind == "price_above" else "below"
        what = f"{now}, {side} {fmt.usd(_f(values, 'threshold'))}"
    elif kind == "level_cross":
        previous = _f(values, "previous_price")
        level = _f(values, "level")
        way = "up through" if _f(values, "price") >= level else "down through"
        what = f"{now}: it crossed {way} {fmt.usd(level)} (from {fmt.usd(previous)})"
    elif kind == "pct_move":
        move = _f(values, "move_pct")
        what = f"{now}: {fmt.pct(move)} within {values.get('window')}"
    elif kind in ("rsi_above", "rsi_below"):
        side = "above" if kind == "rsi_above" else "below"
        what = f"{symbol}'s RSI is {fmt.significant(_f(values, 'rsi'))}, {side} "
        what += fmt.significant(_f(values, "threshold"))
    elif kind in ("funding_above", "funding_below"):
        rate = _f(values, "funding_rate_pct")
        what = f"{symbol}'s funding rate is {rate:+.4f}% per interval"
    else:
        ratio = _f(values, "ratio")
        what = f"{symbol}'s last candle traded {fmt.significant(ratio)}× its average volume"
    text = f"{what} (as of {fmt.when(as_of)}, {upstream_name(source.split(':')[0])})."
    shown = [LABEL_WORDS[label] for label in labels if label in LABEL_WORDS]
    if shown:
        text += " Data: " + ", ".join(shown) + "."
    return text


def follow_up_question(symbol: str, label: str, timeframe: str | None) -> str:
    """What the follow-up analysis asks (the offline analyst reads it as a technical question)."""
    return f"Alert: {label}. Analyze {symbol} on the {timeframe or '4h'} chart: what now?"


def with_answer(message: str, bottom_line: str | None, error: str | None) -> str:
    if bottom_line:
        return f"{message}\n\nWhat now: {bottom_line}"
    if error:
        return f"{message}\n\nThe follow-up analysis did not answer: {error}"
    return message


def _f(values: Mapping[str, float | str | None], key: str) -> float:
    value = values.get(key)
    return float(value) if isinstance(value, int | float) else 0.0
