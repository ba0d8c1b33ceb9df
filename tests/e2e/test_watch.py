"""The watcher in Chromium against the real server: the watchlist with prices and sparklines
(replayed, and live from the fake CoinGecko moving under an open page), the alert dialog opened
from an answer's outlook card, notifications pushed to the page with their unread count, their
deliveries and the browser's Notification API, a proposed alert saved from the answer, targets.
Screenshots at 1440x900, 1280x720 and 390x844 in both themes, checked by eye and for what they
should show (no serious axe violation either)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from cryptodesk.app import create_app
from tests.e2e.conftest import new_page
from tests.e2e.pages import (
    SIZES,
    TECHNICAL,
    ask,
    axe_violations,
    open_desk,
    screenshot,
    wait_done,
)
from tests.market.fake_coingecko import FakeCoinGecko
from tests.runtime.server import LiveServer, running
from tests.watch.conftest import watch_settings
from tests.watch.receiver import receiving

# Records what the app hands the browser's Notification API (the OS popup itself is outside
# the page): permission granted, every notification kept in window.__shown.
NOTIFICATION_SPY = """
window.__shown = [];
class SpyNotification {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__shown.push({ title, body: options?.body }); }
}
window.Notification = SpyNotification;
"""


def api(server: LiveServer, method: str, path: str, body: object | None = None) -> httpx.Response:
    return httpx.request(method, f"{server.http}/api/v1{path}", json=body, timeout=15)


def themed(page: Page, theme: str) -> None:
    if page.evaluate("document.documentElement.dataset.theme") != theme:
        page.get_by_test_id("theme").click()


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("size", list(SIZES))
def test_watch_views_watchlist_alert_dialog_notifications(
    browser: Browser, offline_server: LiveServer, size: str, theme: str
) -> None:
    for symbol in ("BTC", "ETH", "SOL"):
        assert api(offline_server, "POST", "/watchlist", {"symbol": symbol}).status_code == 200
    width, height = SIZES[size]
    name = f"watch-{size}-{width}x{height}-{theme}"
    page = new_page(browser, width, height, theme=theme)
    page.add_init_script(NOTIFICATION_SPY)
    open_desk(page, offline_server.http)
    themed(page, theme)

    page.get_by_test_id("open-watchlist").click()
    items = page.get_by_test_id("watch-item")
    expect(items).to_have_count(3)
    btc = page.locator('[data-testid="watch-item"][data-symbol="BTC"]')
    expect(btc.get_by_test_id("watch-price")).to_have_text("64,468.01")  # the replay's last close
    expect(btc.get_by_test_id("watch-change")).to_contain_text("%")
    expect(btc.locator("svg.sparkline")).to_be_visible()
    expect(btc.get_by_text("replay")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, f"{name}-1-watchlist")
    page.keyboard.press("Escape")

    ask(page, TECHNICAL)
    turn = wait_done(page)
    button = turn.get_by_test_id("outlook-alert")
    expect(button).to_contain_text("Alert me when BTC breaks")
    button.click()
    dialog = page.get_by_test_id("alert-dialog")
    expect(dialog.get_by_test_id("alert-kind")).to_have_value("level_cross")
    level = dialog.get_by_test_id("alert-value").input_value()
    assert float(level) > 0
    expect(dialog.get_by_test_id("alert-symbol")).to_have_value("BTC")
    assert axe_violations(page) == []
    screenshot(page, f"{name}-2-alert-dialog")
    dialog.get_by_test_id("alert-value").fill("60k")
    dialog.get_by_test_id("alert-save").click()
    expect(dialog.get_by_text("Enter a number (digits only).")).to_be_visible()
    dialog.get_by_test_id("alert-value").fill(level)
    dialog.get_by_test_id("alert-save").click()
    expect(dialog).not_to_be_visible()
    made = api(offline_server, "GET", "/alerts").json()
    assert [(a["symbol"], a["condition"]["kind"], a["condition"]["value"]) for a in made] == [
        ("BTC", "level_cross", float(level))
    ]

    # BTC replays at 64,468: this rule fires on the watcher's next update.
    rule = {"symbol": "BTC", "condition": {"kind": "price_above", "value": 60000}}
    assert api(offline_server, "POST", "/alerts", rule).status_code == 201
    expect(page.get_by_test_id("unread-badge")).to_have_text("1")
    shown = page.evaluate("window.__shown")
    assert shown[0]["title"] == "🔔 BTC price above $60,000.00"
    page.get_by_test_id("open-notifications").click()
    notice = page.get_by_test_id("notification").first
    expect(notice).to_contain_text("BTC price above $60,000.00")
    expect(notice).to_contain_text("BTC is at $64,468.01, above $60,000.00")
    assert axe_violations(page) == []
    screenshot(page, f"{name}-3-notifications")
    expect(page.get_by_test_id("unread-badge")).to_have_count(0)  # opening the list read it
    page.context.close()


def test_watch_proposed_alert_is_saved_from_the_answer(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    ask(page, "alert me if BTC goes above 60k")
    turn = wait_done(page)
    card = turn.get_by_test_id("proposed-alert")
    expect(card).to_contain_text("BTC price above $60,000.00")
    expect(card).to_contain_text("proposed, not active yet")
    proposed = api(offline_server, "GET", "/alerts").json()[0]
    assert proposed["status"] == "proposed"
    card.get_by_test_id("confirm-alert").click()
    expect(card.get_by_test_id("watch-outcome")).to_have_text("Saved: watching now")
    assert api(offline_server, "GET", f"/alerts/{proposed['id']}").json()["status"] == "active"
    expect(page.get_by_test_id("unread-badge")).to_have_text("1")  # it fires at once


def test_watch_coin_from_the_chat_shows_on_the_watchlist_with_undo(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    ask(page, "watch ETH")
    turn = wait_done(page)
    expect(turn.get_by_test_id("watch-action")).to_contain_text("ETH on the watchlist")
    page.get_by_test_id("open-watchlist").click()
    expect(page.get_by_test_id("watch-item")).to_have_count(1)
    page.keyboard.press("Escape")
    turn.get_by_role("button", name="Undo").click()
    page.get_by_test_id("open-watchlist").click()
    expect(page.get_by_test_id("watch-item")).to_have_count(0)


def test_watch_targets_added_masked_and_tested_from_the_page(
    page: Page, offline_server: LiveServer
) -> None:
    with receiving() as receiver:
        open_desk(page, offline_server.http)
        page.get_by_test_id("open-notifications").click()
        targets = page.get_by_test_id("targets")
        targets.locator("summary").click()
        secret = "hook-secret-4d3c2b1a"
        targets.get_by_test_id("target-name").fill("my hook")
        targets.get_by_test_id("target-url").fill(f"nope://{secret}")
        targets.get_by_test_id("target-add").click()
        refused = targets.get_by_test_id("target-error")
        expect(refused).to_contain_text("scheme Apprise does not know")
        targets.get_by_test_id("target-url").fill(f"json://127.0.0.1:{receiver.port}/{secret}")
        targets.get_by_test_id("target-add").click()
        target = targets.get_by_test_id("target")
        expect(target).to_contain_text(f"json://127.0.0.1:{receiver.port}/…")
        assert secret not in page.content()
        target.get_by_test_id("target-test").click()
        expect(target.get_by_test_id("target-test-result")).to_contain_text("delivered")
        assert receiver.delivered[0].body["title"] == "CryptoDesk test notification"


def test_watch_live_price_moves_on_the_open_page_and_the_firing_shows_its_deliveries(
    page: Page, tmp_path: Path, coingecko: FakeCoinGecko
) -> None:
    coingecko.set_price("bitcoin", 64_000.0, 1.5)
    settings = watch_settings(tmp_path, coingecko.url, notify_max_attempts=1)
    with receiving() as good, receiving() as bad, running(create_app(settings)) as server:
        bad.fail_next(10)
        targets = [
            api(server, "POST", "/notify/targets", {"name": name, "url": r.url()}).json()["id"]
            for name, r in (("good", good), ("bad", bad))
        ]
        assert api(server, "POST", "/watchlist", {"symbol": "BTC"}).status_code == 200
        rule = {
            "symbol": "BTC",
            "condition": {"kind": "price_below", "value": 60000},
            "target_ids": targets,
        }
        assert api(server, "POST", "/alerts", rule).status_code == 201
        page.add_init_script(NOTIFICATION_SPY)
        open_desk(page, server.http)
        page.get_by_test_id("open-watchlist").click()
        btc = page.locator('[data-testid="watch-item"][data-symbol="BTC"]')
        expect(btc.get_by_test_id("watch-price")).to_have_text("64,000.00")
        expect(page.get_by_test_id("unread-badge")).to_have_count(0)

        coingecko.set_price("bitcoin", 58_500.0, -8.6)  # the page is not reloaded
        expect(btc.get_by_test_id("watch-price")).to_have_text("58,500.00")
        expect(btc.get_by_test_id("watch-change")).to_contain_text(
            "\u22128.60%"
        )  # a true minus sign
        expect(page.get_by_test_id("unread-badge")).to_have_text("1")
        assert page.evaluate("window.__shown")[0]["title"] == "🔔 BTC price below $60,000.00"
        page.keyboard.press("Escape")
        page.get_by_test_id("open-notifications").click()
        notice = page.get_by_test_id("notification").first
        expect(notice).to_contain_text("BTC is at $58,500.00, below $60,000.00")
        expect(notice.locator(".delivery.sent")).to_have_text("delivery sent")
        expect(notice.locator(".delivery.failed")).to_have_text(
            "delivery failed: the receiver answered HTTP 500 (gave up after 1 attempt)"
        )
        assert len(good.delivered) == 1 and bad.delivered == []
