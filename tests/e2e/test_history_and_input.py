"""History from the sidebar, bad input, and the layout on a phone and in the light theme."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.test_ask import QUESTION, ask
from tests.runtime.server import LiveServer


def test_open_a_past_conversation_from_the_sidebar(page: Page, offline_server: LiveServer) -> None:
    page.goto(offline_server.http)
    ask(page, QUESTION)
    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "completed")
    steps = page.get_by_test_id("step").count()
    tools = page.get_by_test_id("tool-card").count()

    page.get_by_test_id("toggle-history").click()
    page.get_by_test_id("new-conversation").click()
    expect(page.get_by_test_id("examples")).to_be_visible()
    ask(page, "What is the price of Bitcoin?")
    page.get_by_test_id("toggle-history").click()
    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "completed")

    items = page.get_by_test_id("history-item")
    expect(items).to_have_count(2)
    # Newest first: the Bitcoin question is on top, the ETH one below.
    items.nth(1).locator("button.open").click()
    expect(page.get_by_test_id("user-message").first).to_have_text(QUESTION)
    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "completed")
    expect(page.get_by_test_id("step")).to_have_count(steps)
    expect(page.get_by_test_id("tool-card")).to_have_count(tools)
    expect(page.get_by_test_id("chart-canvas").locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("report-panel").locator("h1")).to_contain_text("Ethereum")
    page.get_by_test_id("toggle-history").click()
    expect(items.nth(1)).to_have_class("current")
    shot(page, "06-history-open")


def test_rename_and_delete_a_conversation(page: Page, offline_server: LiveServer) -> None:
    page.goto(offline_server.http)
    ask(page, "What is the price of Bitcoin?")
    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "completed")
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
    expect(page.get_by_test_id("examples")).to_be_visible()


def test_bad_input_empty_is_not_sendable_and_too_long_shows_the_error(
    page: Page, offline_server: LiveServer
) -> None:
    page.goto(offline_server.http)
    box = page.get_by_test_id("composer")
    send = page.get_by_test_id("send")
    expect(send).to_be_disabled()
    box.fill("   ")
    box.press("Enter")
    expect(send).to_be_disabled()
    expect(page.get_by_test_id("user-message")).to_have_count(0)

    box.fill("x" * 9000)
    expect(page.get_by_test_id("composer-error")).to_contain_text("9,000 characters")
    expect(page.get_by_test_id("composer-error")).to_contain_text("8,000")
    expect(send).to_be_disabled()
    box.press("Enter")
    expect(page.get_by_test_id("user-message")).to_have_count(0)
    shot(page, "07-bad-input")


def test_phone_layout_stacks_panels_and_light_theme(page: Page, offline_server: LiveServer) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(offline_server.http)
    ask(page, QUESTION)
    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "completed")
    chat = page.get_by_test_id("chat-panel").bounding_box()
    timeline = page.get_by_test_id("timeline-panel").bounding_box()
    assert chat and timeline and timeline["y"] >= chat["y"] + chat["height"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "08-phone")
    page.get_by_test_id("theme").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    page.set_viewport_size({"width": 1280, "height": 800})
    shot(page, "09-light-1280")
