"""What a benchmark hands back: a table of measurements and its checks against targets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True, slots=True)
class Check:
    target: str
    measured: str
    passed: bool | None
    """None: no verdict (no target set, or the benchmark was skipped)."""


@dataclass(slots=True)
class Section:
    name: str
    """Short, for the summary."""
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, *cells: object) -> None:
        self.rows.append(tuple(str(c) for c in cells))

    def check(self, target: str, measured: str, passed: bool | None) -> None:
        self.checks.append(Check(target, measured, passed))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def make_console() -> Console:
    """A console wide enough for the tables when the output is not a terminal (CI, a pipe)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def print_section(console: Console, section: Section) -> None:
    table = Table(title=section.title, title_justify="left", show_lines=False)
    for i, name in enumerate(section.columns):
        table.add_column(name, justify="left" if i == 0 else "right")
    for cells in section.rows:
        table.add_row(*cells)
    console.print(table)
    for note in section.notes:
        console.print(f"  note: {note}")
    console.print()


def print_summary(console: Console, sections: Sequence[Section], failed: Sequence[str]) -> None:
    table = Table(title="Summary", title_justify="left")
    for name in ("benchmark", "target", "measured", "pass"):
        table.add_column(name)
    for section in sections:
        for check in section.checks:
            table.add_row(section.name, check.target, check.measured, _verdict(check.passed))
    for title in failed:
        table.add_row(title, "-", "benchmark crashed", "ERROR")
    console.print(table)


def _verdict(passed: bool | None) -> str:
    if passed is None:
        return "-"
    return "yes" if passed else "NO"
