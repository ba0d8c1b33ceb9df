"""A run survives the page: a cut socket, a reload, a cancel."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.pages import ask, expand_trace, open_desk, wait_done
from tests.e2e.timeline import assert_timeline_matches_log
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import LiveServer


def test_cancel_stops_the_run_and_says_so(
    page: Page, slow_server: LiveServer, slow_engine: ScriptedEngine
) -> None:
    open_desk(page, slow_server.http)
    ask(page, "What is the price of Bitcoin?")
    expect(page.get_by_test_id("trace-current")).to_contain_text("CryptoMarketAnalyst")
    page.get_by_test_id("cancel").click()

    turn = wait_done(page, phase="cancelled")
    expect(expand_trace(turn).get_by_test_id("timeline-status")).to_be_visible()
    expect(page.get_by_test_id("cancel")).to_have_count(0)
    expect(turn.get_by_test_id("answer")).to_contain_text("Cancelled")
    expect(turn.get_by_test_id("trace-summary")).to_be_visible()
    assert slow_engine.cancelled_tools, "the engine's tool call was not cancelled"
    shot(page, "02-cancel")


def test_cut_socket_mid_run_resumes_without_missing_or_duplicated_steps(
    page: Page, slow_server: LiveServer
) -> None:
    open_desk(page, slow_server.http)
    ask(page, "What is the price of Bitcoin?")
    timeline = expand_trace(page.get_by_test_id("turn").first)
    expect(timeline.get_by_test_id("step").nth(1)).to_be_visible()
    page.evaluate("window.__cryptodesk.drop()")
    expect(page.get_by_test_id("connection-banner")).to_be_visible()
    expect(page.get_by_test_id("connection")).not_to_have_attribute("data-phase", "open")
    shot(page, "03-socket-cut-banner")

    wait_done(page, timeout=20_000)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-phase", "open")
    assert_timeline_matches_log(page, slow_server)
    # Each step streamed two deltas of 12 characters: all of them, once.
    streamed = timeline.get_by_test_id("streamed").all_inner_texts()
    assert streamed == ["x" * 24] * 6, streamed
    expect(page.get_by_test_id("answer")).to_contain_text("Scripted answer")
    shot(page, "04-socket-cut-resumed")


def test_reload_mid_run_shows_the_run_so_far_and_continues_live(
    page: Page, slow_server: LiveServer
) -> None:
    question = "Compare SOL and AVAX this month"
    open_desk(page, slow_server.http)
    ask(page, question)
    expect(
        expand_trace(page.get_by_test_id("turn").first).get_by_test_id("step").nth(1)
    ).to_be_visible()
    assert page.evaluate("location.hash").startswith("#/c/")

    page.reload()
    expect(page.get_by_test_id("user-message").first).to_have_text(question)
    turn = page.get_by_test_id("turn").first
    expect(expand_trace(turn).get_by_test_id("step").first).to_be_visible()
    phase = turn.get_by_test_id("trace").get_by_test_id("run-phase").get_attribute("data-phase")
    assert phase != "completed", "the run ended before the reload: the test proves nothing"
    shot(page, "05-reload-mid-run")

    wait_done(page, timeout=20_000)
    assert_timeline_matches_log(page, slow_server)
