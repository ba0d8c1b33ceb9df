"""axe-core (the npm devDependency, injected from frontend/node_modules, no CDN) finds no serious
or critical violation on the main views, in both themes; the page can be used by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import new_page
from tests.e2e.pages import (
    AXE,
    SIZES,
    TECHNICAL,
    ask,
    axe_violations,
    expand_trace,
    open_desk,
    wait_done,
)
from tests.runtime.server import LiveServer

if not AXE.exists():
    pytest.fail(f"{AXE} is missing: run `npm ci` in frontend/ (axe-core is a devDependency)")


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_main_views_have_no_serious_accessibility_violations(
    browser: Browser, offline_server: LiveServer, theme: str
) -> None:
    page = new_page(browser, *SIZES["desktop"], theme=theme)
    open_desk(page, offline_server.http)
    if page.evaluate("document.documentElement.dataset.theme") != theme:
        page.get_by_test_id("theme").click()
    found: dict[str, list[str]] = {"empty": axe_violations(page)}

    ask(page, TECHNICAL)
    turn = wait_done(page)
    turn.get_by_test_id("outlook-signals").locator("summary").click()
    expect(turn.get_by_test_id("outlook-signal").first).to_be_visible()
    found["answer"] = axe_violations(page)
    expand_trace(turn).get_by_test_id("tool-card").first.locator("summary").click()
    found["trace"] = axe_violations(page)

    page.get_by_test_id("toggle-history").click()
    expect(page.get_by_test_id("history-item")).to_have_count(1)
    found["history"] = axe_violations(page)
    page.keyboard.press("Escape")

    turn.get_by_test_id("open-timeline-panel").click()
    expect(page.get_by_test_id("timeline-panel")).to_be_visible()
    found["timeline panel"] = axe_violations(page)
    page.keyboard.press("Escape")

    page.get_by_test_id("open-settings").click()
    expect(page.get_by_test_id("settings-dialog").get_by_label("Provider")).to_be_visible()
    found["settings"] = axe_violations(page)
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": SIZES["phone"][0], "height": SIZES["phone"][1]})
    expect(turn.get_by_test_id("chart-canvas")).to_be_visible()
    found["phone answer"] = axe_violations(page)
    page.context.close()
    bad = [f"{view}: {v}" for view, found_here in found.items() for v in found_here]
    assert not bad, "\n".join(bad)


def test_keyboard_reaches_the_composer_and_the_header(
    browser: Browser, offline_server: LiveServer
) -> None:
    page = new_page(browser, *SIZES["desktop"])
    open_desk(page, offline_server.http)
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("toggle-history")).to_be_focused()
    outline = page.get_by_test_id("toggle-history").evaluate(
        "e => getComputedStyle(e).outlineStyle"
    )
    assert outline == "solid", "focus is visible"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("history-drawer")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("history-drawer")).to_be_hidden()
    page.get_by_test_id("composer").focus()
    page.keyboard.type("Analyze ETH on the 4h chart")
    page.keyboard.press("Enter")
    wait_done(page)
    page.context.close()
