"""Markdown helpers every report section uses."""

from __future__ import annotations

from collections.abc import Sequence


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def coin(name: str, symbol: str) -> str:
    return symbol if name == symbol else f"{name} ({symbol})"


def ago(bars: int) -> str:
    if bars == 0:
        return "on the last candle"
    return f"{bars} candle ago" if bars == 1 else f"{bars} candles ago"
