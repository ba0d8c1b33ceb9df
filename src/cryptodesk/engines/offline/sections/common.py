"""Markdown helpers every report section uses."""

from __future__ import annotations

from collections.abc import Sequence

from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import Outlook


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def coin(name: str, symbol: str) -> str:
    return symbol if name == symbol else f"{name} ({symbol})"


def _level(o: Outlook, kind: str, price: float | None) -> str:
    if price is None:
        return f"no {kind}"
    found = next((lv for lv in o.levels if lv.kind == kind and lv.price == price), None)
    if found is None:
        return f"{kind} {fmt.price(price)}"
    touches = f", {found.touches} touches" if found.touches > 1 else ""
    return f"{kind} {fmt.price(price)} ({fmt.pct(found.distance_pct)}{touches})"


def levels_line(o: Outlook) -> str:
    """ "Nearest support 0.07170 (-1.15%, 2 touches) and resistance 0.07285 (+0.43%, 2
    touches)", with the note when a side is missing or stands in."""
    text = f"Nearest {_level(o, 'support', o.support)} and {_level(o, 'resistance', o.resistance)}"
    return f"{text} ({o.levels_note})" if o.levels_note else text
