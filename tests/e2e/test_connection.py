"""A run survives the page: a cut socket, a reload, a cancel."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.test_ask import ask
from tests.e2e.timeline import assert_timeline_matches_log
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import LiveServer


def test_cancel_stops_the_run_and_says_so(
    page: Page, slow_server: LiveServer, slow_engine: ScriptedEngine
) -> None:
    page.goto(slow_server.http)
    ask(page, "What is the price of Bitcoin?")
    expect(page.get_by_test_id("step").first).to_be_visible()
    page.get_by_test_id("cancel").click()

    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "cancelled")
    expect(page.get_by_test_id("timeline-status")).to_be_visible()
    expect(page.get_by_test_id("cancel")).to_have_count(0)
    expect(page.get_by_test_id("assistant-message")).to_contain_text("Cancelled")
    assert slow_engine.cancelled_tools, "the engine's tool call was not cancelled"
    shot(page, "02-cancel")


def test_cut_socket_mid_run_resumes_without_missing_or_duplicated_steps(
    page: Page, slow_server: LiveServer
) -> None:
    page.goto(slow_server.http)
    ask(page, "What is the price of Bitcoin?")
    expect(page.get_by_test_id("step").nth(1)).to_be_visible()
    page.evaluate("window.__cryptodesk.drop()")
    expect(page.get_by_test_id("connection-banner")).to_be_visible()
    shot(page, "03-socket-cut-banner")

    expect(page.get_by_test_id("run-phase")).to_have_attribute(
        "data-phase", "completed", timeout=20_000
    )
    expect(page.get_by_test_id("connection")).to_have_attribute("data-phase", "open")
    assert_timeline_matches_log(page, slow_server)
    # Each step streamed two deltas of 12 characters: all of them, once.
    streamed = page.get_by_test_id("streamed").all_inner_texts()
    assert streamed == ["x" * 24] * 6, streamed
    expect(page.get_by_test_id("report-panel")).to_contain_text("Scripted answer")
    shot(page, "04-socket-cut-resumed")


def test_reload_mid_run_shows_the_run_so_far_and_continues_live(
    page: Page, slow_server: LiveServer
) -> None:
    question = "Compare SOL and AVAX this month"
    page.goto(slow_server.http)
    ask(page, question)
    expect(page.get_by_test_id("step").nth(1)).to_be_visible()
    assert page.evaluate("location.hash").startswith("#/c/")

    page.reload()
    expect(page.get_by_test_id("user-message").first).to_have_text(question)
    expect(page.get_by_test_id("step").first).to_be_visible()
    phase = page.get_by_test_id("run-phase").get_attribute("data-phase")
    assert phase != "completed", "the run ended before the reload: the test proves nothing"
    shot(page, "05-reload-mid-run")

    expect(page.get_by_test_id("run-phase")).to_have_attribute(
        "data-phase", "completed", timeout=20_000
    )
    assert_timeline_matches_log(page, slow_server)
