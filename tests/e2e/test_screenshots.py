"""Screenshots of every main view at 1440x900, 1280x720 and 390x844 in both themes, into
test-artifacts/screenshots/ (git-ignored), to be looked at: is the answer in view, is the chart
readable, does anything overlap? Each view is also checked for what a screenshot would show."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import new_page
from tests.e2e.paced import PacedAnalyst
from tests.e2e.pages import COMPARISON, SIZES, TECHNICAL, ask, open_desk, screenshot, wait_done
from tests.runtime.server import LiveServer


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("size", list(SIZES))
def test_screenshots_of_the_main_views(
    browser: Browser,
    paced_server: LiveServer,
    paced_analyst: PacedAnalyst,
    size: str,
    theme: str,
) -> None:
    width, height = SIZES[size]
    page = new_page(browser, width, height, theme=theme)
    name = f"{size}-{width}x{height}-{theme}"
    open_desk(page, paced_server.http)
    if page.evaluate("document.documentElement.dataset.theme") != theme:
        page.get_by_test_id("theme").click()
    expect(page.get_by_test_id("examples")).to_be_visible()
    expect(page.get_by_test_id("data-mode")).to_have_attribute("data-mode", "replay")
    screenshot(page, f"{name}-1-empty")

    ask(page, TECHNICAL)
    turn = wait_done(page)
    expect(turn.get_by_test_id("bottom-line")).to_be_in_viewport()
    expect(turn.get_by_test_id("outlook")).to_be_in_viewport()
    drawn = page.get_by_test_id("charts-panel") if size != "phone" else turn
    expect(drawn.get_by_test_id("chart-canvas")).to_have_attribute("data-placed", "true")
    screenshot(page, f"{name}-2-technical-answer")
    if size == "phone":  # the chart is further down the answer: its own screenshot
        turn.get_by_test_id("chart-panel").scroll_into_view_if_needed()
        screenshot(page, f"{name}-2b-technical-chart")

    ask(page, COMPARISON)
    turn = wait_done(page, 2)
    expect(turn.get_by_test_id("bottom-line")).to_be_in_viewport()
    drawn = page.get_by_test_id("charts-panel") if size != "phone" else turn
    canvas = drawn.get_by_test_id("chart-canvas")
    expect(canvas).to_have_attribute("data-kind", "comparison")
    expect(canvas).to_have_attribute("data-placed", "true")
    screenshot(page, f"{name}-3-comparison-answer")

    paced_analyst.pause_s = 1.5
    try:
        ask(page, "Analyze ETH on the 1d chart")
        current = page.get_by_test_id("turn").nth(2).get_by_test_id("trace-current")
        # A step at work with its tool call in flight.
        expect(current).to_contain_text("TechnicalAnalyst")
        expect(current.locator(".trace-tool")).to_be_visible()
        expect(current).to_be_in_viewport()
        screenshot(page, f"{name}-4-running-live-trace")
        wait_done(page, 3)
    finally:
        paced_analyst.pause_s = 0.0

    page.get_by_test_id("toggle-history").click()
    expect(page.get_by_test_id("history-item")).to_have_count(1)
    screenshot(page, f"{name}-5-history")
    page.keyboard.press("Escape")

    page.get_by_test_id("open-settings").click()
    expect(page.get_by_test_id("settings-dialog").get_by_label("Provider")).to_be_visible()
    screenshot(page, f"{name}-6-settings")
    page.context.close()
