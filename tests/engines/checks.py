"""Invariants of an engine's event stream and of its report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from cryptodesk.analysis.breadth import breadth
from cryptodesk.domain import format as fmt
from cryptodesk.domain.events import (
    AgentStep,
    DomainEvent,
    Progress,
    Report,
    ToolCalled,
    ToolFinished,
)
from cryptodesk.tools.base import ToolResult
from cryptodesk.tools.market import PriceResult

_WHEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
_NUMBER = re.compile(r"(?<![\w.])([-+]?)\$?(\d[\d,]*(?:\.\d+)?)([%KMBT]?)(?![\w])")
_SCALE = {"": 1.0, "%": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def check_event_sequence(events: list[DomainEvent], max_turns: int) -> Report:
    reports = [e for e in events if isinstance(e, Report)]
    assert len(reports) == 1 and events[-1] is reports[0], "exactly one Report, last"
    open_calls: dict[str, ToolCalled] = {}
    finished: set[str] = set()
    steps: dict[str, AgentStep] = {}
    current: AgentStep | None = None
    turn = 0
    for index, event in enumerate(events):
        if isinstance(event, AgentStep):
            if event.status == "working":
                assert event.step_id not in steps, "a step starts once"
                assert current is None, "one agent turn at a time"
                steps[event.step_id] = event
                current = event
                following = events[index + 1]
                assert isinstance(following, Progress), "working is followed by Progress"
            else:
                assert current is not None and current.step_id == event.step_id
                assert event.status == "completed" and event.agent == current.agent
                assert not open_calls, "tool calls finish inside their turn"
                current = None
        elif isinstance(event, Progress):
            turn += 1
            assert event.current_turn == turn and event.current_turn <= event.max_turns
            assert event.max_turns == max_turns
        elif isinstance(event, ToolCalled):
            assert current is not None and event.agent == current.agent
            assert event.call_id not in open_calls and event.call_id not in finished
            open_calls[event.call_id] = event
        elif isinstance(event, ToolFinished):
            called = open_calls.pop(event.call_id)
            assert called.tool_name == event.tool_name
            assert len(event.result_preview) <= 500
            finished.add(event.call_id)
    assert current is None and not open_calls
    return reports[0]


def _walk(value: object, numbers: list[float], texts: list[str]) -> None:
    if isinstance(value, BaseModel):
        _walk(value.model_dump(), numbers, texts)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, numbers, texts)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, numbers, texts)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float):
        numbers.append(float(value))
    elif isinstance(value, datetime):
        texts.append(fmt.when(value))
    elif isinstance(value, str):
        texts.append(value)


def _tokens(text: str) -> list[tuple[float, float]]:
    """(value, rounding tolerance) of every free-standing number in `text`."""
    found = []
    for sign, digits, suffix in _NUMBER.findall(text):
        scale = _SCALE[suffix]
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits.replace(",", "")) * scale * (-1 if sign == "-" else 1)
        found.append((value, 0.5 * 10**-decimals * scale * (1 + 1e-9)))
    return found


def unexplained_numbers(
    report: str,
    results: list[ToolResult],
    errors: list[str],
    derived: Sequence[float] = (),
) -> list[str]:
    """Numbers in `report` that no tool result (or tool error message) holds.

    `derived`: values the test computed from the results itself (e.g. the breadth of a list of
    prices), which the report may show too.
    """
    numbers: list[float] = list(derived)
    texts: list[str] = list(errors)
    for result in results:
        _walk(result, numbers, texts)
    whens = {t for t in texts if _WHEN.fullmatch(t)}
    missing = [w for w in _WHEN.findall(report) if w not in whens]
    for text in texts:
        numbers += [value for value, _ in _tokens(text)]
    for line in _WHEN.sub(" ", report).splitlines():
        for value, tolerance in _tokens(line):
            if not any(abs(value - n) <= tolerance for n in numbers):
                missing.append(f"{value} in {line!r}")
    return missing


def breadth_numbers(results: list[ToolResult]) -> list[float]:
    """The breadth a report derives from a list of prices (the market overview of replay and
    demo data): the numbers it may show besides the tool results'."""
    prices = [r for r in results if isinstance(r, PriceResult)]
    moves = breadth([(p.quote.symbol, p.quote.change_24h_pct) for p in prices])
    if moves is None:
        return []
    return [moves.coins, moves.up, moves.down, moves.unchanged, moves.average_pct]
