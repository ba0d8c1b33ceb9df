"""The CLI's live view: the answer kind instead of a blanket "report ready", logs after the run."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from rich.console import Console

from cryptodesk.terminal.logbuffer import held_logs
from cryptodesk.terminal.view import FrameView


def _shown(*frames: dict[str, Any]) -> str:
    out = io.StringIO()
    view = FrameView(Console(file=out, width=120, color_system=None), json_lines=False)
    for frame in frames:
        view.show(frame)
    return out.getvalue()


def _result(**fields: Any) -> dict[str, Any]:
    return {"type": "result", "content": "# Report\n\nBody.", "engine": "offline", **fields}


FINAL = {"type": "status", "status": "completed", "final": True, "message": "Analysis completed"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"answer_kind": "answered"}, "✅ Answered"),
        ({"answer_kind": "partial"}, "⚠️ Partial answer: some data is missing"),
        (
            {"answer_kind": "clarification", "bottom_line": "Which coin do you mean?"},
            "❓ Question back: Which coin do you mean?",
        ),
        ({"answer_kind": "cannot_answer"}, "🚫 Can't answer that from market data"),
    ],
)
def test_view_shows_the_answer_kind_not_a_blanket_completion(
    fields: dict[str, Any], expected: str
) -> None:
    text = _shown(_result(**fields), FINAL)
    assert f"● {expected}" in text  # the run's last line
    assert expected in text.split("● ")[0]  # and the report panel's title
    assert "Analysis completed" not in text


def test_view_of_a_server_without_answer_kinds_keeps_its_status_message() -> None:
    text = _shown(_result(), FINAL)
    assert "● Analysis completed" in text


def test_view_of_a_failed_run_shows_the_failure() -> None:
    failed = {"type": "status", "status": "failed", "final": True, "message": "Run failed: x"}
    assert "● Run failed: x" in _shown(failed)


def test_held_logs_wait_for_the_end_and_count_repeats() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    log = logging.getLogger("cryptodesk.test")
    handlers = logging.getLogger().handlers[:]
    with held_logs(console):
        for _ in range(3):
            log.warning("CoinGecko is not reachable")
        log.info("not shown: below the level")
        assert out.getvalue() == ""  # nothing printed while the view runs
    assert logging.getLogger().handlers == handlers  # the previous handlers are back
    assert out.getvalue().splitlines() == [
        "Logged during the run (3):",
        "  WARNING cryptodesk.test: CoinGecko is not reachable (×3)",
    ]


def _progress(turn: int, **fields: Any) -> dict[str, Any]:
    return {"type": "progress", "current_turn": turn, "max_turns": 15, **fields}


def test_view_shows_the_estimate_then_the_spend_once_per_round() -> None:
    estimate = {
        "llm_calls": 6,
        "prompt_tokens": 7000,
        "completion_tokens": 1100,
        "cost_usd": 0.0017,
    }
    spent = {"prompt_tokens": 1000, "completion_tokens": 50, "cost_usd": 0.0002}
    more = {"prompt_tokens": 5000, "completion_tokens": 200, "cost_usd": 0.0009}
    text = _shown(
        _progress(0, estimate=estimate),
        _progress(1, spent=spent),
        _progress(1, spent=spent),  # a keep-alive: nothing new
        _progress(2, spent=more),
    )
    assert "estimate: ~8,100 tokens, $0.0017, 6 LLM calls" in text
    assert text.count("turn 1/15") == 1
    assert "turn 1/15 · spent 1,050 tokens, $0.0002" in text
    assert "turn 2/15 · spent 5,200 tokens, $0.0009" in text


def test_view_marks_figures_without_a_source_and_says_why() -> None:
    grounding = {
        "checked": 3,
        "matched": 2,
        "unmatched": [{"text": "$71,250", "value": 71250.0}],
    }
    content = "# BTC\n\nAt $64,468.01, target $71,250 (not $71,2500)."
    usage = {"prompt_tokens": 6000, "completion_tokens": 300, "cost_usd": None}
    text = _shown(_result(content=content, grounding=grounding, usage=usage))
    assert "target $71,250⚠" in text and "$64,468.01⚠" not in text
    assert "⚠ no tool result has this figure: $71,250 (2 of 3 figures" in text
    assert "6,300 tokens, cost unknown (unpriced model)" in text
