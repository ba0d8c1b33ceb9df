"""History from its drawer, a new conversation from the header, bad input, the light theme."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.pages import TECHNICAL, ask, box, expand_trace, open_desk, wait_done
from tests.runtime.server import LiveServer


def test_open_a_past_conversation_from_the_history_drawer(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    ask(page, TECHNICAL)
    timeline = expand_trace(wait_done(page))
    steps = timeline.get_by_test_id("step").count()
    tools = timeline.get_by_test_id("tool-card").count()

    page.get_by_test_id("new-conversation").click()  # in the header
    expect(page.get_by_test_id("examples")).to_be_visible()
    expect(page.get_by_test_id("workspace-empty")).to_be_visible()
    ask(page, "What is the price of Bitcoin?")
    wait_done(page)

    page.get_by_test_id("toggle-history").click()
    drawer = page.get_by_test_id("history-drawer")
    expect(drawer).to_be_visible()
    items = drawer.get_by_test_id("history-item")
    expect(items).to_have_count(2)
    # The drawer fits the screen and its list is not clipped.
    assert box(drawer)["height"] <= 900 and box(items.nth(1))["y"] + 40 < 900
    # Newest first: the price question is on top, the technical one below.
    items.nth(1).locator("button.open").click()
    expect(drawer).to_be_hidden()
    expect(page.get_by_test_id("user-message").first).to_have_text(TECHNICAL)
    turn = wait_done(page)
    timeline = expand_trace(turn)
    expect(timeline.get_by_test_id("step")).to_have_count(steps)
    expect(timeline.get_by_test_id("tool-card")).to_have_count(tools)
    workspace = page.get_by_test_id("charts-panel")
    expect(workspace.get_by_test_id("chart-canvas").locator("canvas").first).to_be_visible()
    expect(turn.get_by_test_id("answer").locator("h1")).to_contain_text("technical analysis")
    page.get_by_test_id("toggle-history").click()
    expect(items.nth(1)).to_have_class("current")
    shot(page, "06-history-open")


def test_rename_and_delete_a_conversation(page: Page, offline_server: LiveServer) -> None:
    open_desk(page, offline_server.http)
    ask(page, "What is the price of Bitcoin?")
    wait_done(page)
    page.get_by_test_id("toggle-history").click()
    item = page.get_by_test_id("history-item").first
    item.get_by_role("button", name="Rename").click()
    title = item.get_by_label("Conversation title")
    title.fill("Bitcoin check")
    title.press("Enter")
    expect(item).to_contain_text("Bitcoin check")
    item.get_by_role("button", name="Delete").click()
    item.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("history-item")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("examples")).to_be_visible()


def test_bad_input_empty_is_not_sendable_and_too_long_shows_the_error(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    box_ = page.get_by_test_id("composer")
    send = page.get_by_test_id("send")
    expect(send).to_be_disabled()
    box_.fill("   ")
    box_.press("Enter")
    expect(send).to_be_disabled()
    expect(page.get_by_test_id("user-message")).to_have_count(0)

    box_.fill("x" * 9000)
    expect(page.get_by_test_id("composer-error")).to_contain_text("9,000 characters")
    expect(page.get_by_test_id("composer-error")).to_contain_text("8,000")
    expect(send).to_be_disabled()
    box_.press("Enter")
    expect(page.get_by_test_id("user-message")).to_have_count(0)
    shot(page, "07-bad-input")


def test_light_theme_is_kept_across_a_reload(page: Page, offline_server: LiveServer) -> None:
    open_desk(page, offline_server.http)
    page.get_by_test_id("theme").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    page.reload()
    expect(page.get_by_test_id("connection")).to_have_attribute("data-phase", "open")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    expect(page.get_by_test_id("theme")).to_have_attribute("aria-label", "Switch to the dark theme")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot(page, "09-light-1280")
