"""Reads the page's timeline and the server's event log of the same run, to compare them."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page

from tests.e2e.pages import expand_trace
from tests.runtime.server import LiveServer


def page_run_id(page: Page) -> str:
    run_id = page.get_by_test_id("trace").last.get_attribute("data-run-id")
    assert run_id, "the conversation shows no run"
    return run_id


def server_events(server: LiveServer, run_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.http}/api/v1/runs/{run_id}/events", timeout=10)
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def assert_timeline_matches_log(page: Page, server: LiveServer) -> None:
    """Every step and tool call of the last run exactly once, in the order of the event log."""
    events = server_events(server, page_run_id(page))
    timeline = expand_trace(page.get_by_test_id("turn").last)
    expected_steps = list(dict.fromkeys(e["step_id"] for e in events if e["type"] == "agent_step"))
    expected_calls = [e["call_id"] for e in events if e["type"] == "tool_call"]
    steps = timeline.get_by_test_id("step").evaluate_all("els => els.map(e => e.dataset.stepId)")
    calls = timeline.get_by_test_id("tool-card").evaluate_all(
        "els => els.map(e => e.dataset.callId)"
    )
    assert steps == expected_steps
    assert calls == expected_calls
    states = timeline.get_by_test_id("tool-card").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )
    assert set(states) == {"ok"}, states
