"""The settings dialog in Chromium: choose an LLM, set a key, test it, see it masked, reload and
see it still masked; the engine badge follows; nothing secret in the page or browser storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from cryptodesk.app import create_app
from tests.e2e.conftest import new_page, shot
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer, fake_llm_server
from tests.runtime.server import LiveServer, running
from tests.settings.conftest import desk_settings

KEY = "sk-e2e-secret-0f1e2d3c4b5aabcd"
ENGINE = "magentic:openai-compatible/fake-model"


@pytest.fixture
def llm_server() -> Iterator[FakeLLMServer]:
    with fake_llm_server(FakeLLM()) as server:
        yield server


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[LiveServer]:
    app = create_app(desk_settings(tmp_path, llm_check_ttl_s=0.001))
    with running(app) as server:
        yield server


def storage(page: Page) -> Any:
    return page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " document.cookie, document.documentElement.outerHTML])"
    )


def test_settings_dialog_sets_tests_and_masks_a_key(
    page: Page, desk: LiveServer, llm_server: FakeLLMServer
) -> None:
    page.goto(desk.http)
    badge = page.get_by_test_id("engine-badge")
    expect(badge).to_contain_text("offline analyst")
    page.get_by_test_id("open-settings").click()
    dialog = page.get_by_test_id("settings-dialog")
    expect(dialog).to_be_visible()

    # An LLM without a key is configured first; an incomplete one is refused with reasons.
    dialog.get_by_label("Provider").select_option("openai-compatible")
    dialog.get_by_test_id("settings-save").click()
    expect(dialog.get_by_text("provider openai-compatible needs the server's URL")).to_be_visible()
    dialog.get_by_label("Endpoint (base URL)").fill(llm_server.openai_url)
    dialog.get_by_label("Default model").fill("fake-model")
    dialog.get_by_test_id("settings-save").click()
    expect(dialog.get_by_test_id("settings-engine")).to_have_text(ENGINE)
    expect(badge).to_contain_text(ENGINE)  # the header badge followed

    # The key: a masked input, stored, then shown only by its last four characters.
    key_input = dialog.locator("#secret-openai_api_key")
    assert key_input.get_attribute("type") == "password"
    expect(key_input).to_have_value("")
    key_input.fill(KEY)
    dialog.get_by_role("group", name="LLM").scroll_into_view_if_needed()
    shot(page, "20-settings-key-typed-masked")
    dialog.get_by_test_id("secret-openai_api_key").get_by_role("button", name="Save key").click()
    status = dialog.get_by_test_id("secret-openai_api_key-status")
    expect(status).to_contain_text("set ••••abcd, changed")
    expect(key_input).to_have_value("")

    # Test it: the fake LLM got the key and answered.
    dialog.get_by_test_id("test-llm").get_by_role("button").click()
    verdict = dialog.get_by_test_id("test-llm").get_by_role("status")
    expect(verdict).to_have_attribute("data-ok", "true")
    expect(verdict).to_contain_text("model listed")
    assert any(r.headers.get("authorization") == f"Bearer {KEY}" for r in llm_server.llm.requests)
    shot(page, "21-settings-key-set-and-tested")

    # A failing LLM gets a verdict that says why.
    llm_server.llm.fail_status = 401
    dialog.get_by_test_id("test-llm").get_by_role("button").click()
    expect(verdict).to_have_attribute("data-ok", "false")
    expect(verdict).to_contain_text("the API key was rejected")
    shot(page, "22-settings-llm-test-failed")
    assert KEY not in storage(page) and KEY[:-4] not in storage(page)

    # Reload: still masked, never pre-filled.
    page.reload()
    expect(page.get_by_test_id("engine-badge")).to_contain_text(ENGINE)
    page.get_by_test_id("open-settings").click()
    dialog = page.get_by_test_id("settings-dialog")
    expect(dialog.get_by_test_id("secret-openai_api_key-status")).to_contain_text("••••abcd")
    expect(dialog.locator("#secret-openai_api_key")).to_have_value("")
    expect(dialog.get_by_label("Default model")).to_have_value("fake-model")
    shot(page, "23-settings-after-reload")
    assert KEY not in storage(page) and KEY[:-4] not in storage(page)


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)])
def test_settings_say_where_each_value_comes_from_and_a_refused_save_shows_why(
    browser: Browser, desk: LiveServer, size: tuple[int, int]
) -> None:
    page = new_page(browser, *size)
    page.goto(desk.http)
    page.get_by_test_id("open-settings").click()
    dialog = page.get_by_test_id("settings-dialog")
    # desk_settings() gives the market data and the engine; the rest are defaults.
    expect(dialog.get_by_test_id("source-market_data")).to_have_text("environment")
    expect(dialog.get_by_test_id("source-tool_timeout_s")).to_have_text("default")
    expect(dialog.get_by_test_id("source-coingecko_plan")).to_have_text("default")
    dialog.get_by_label("Tool timeout (s)").fill("12.5")
    dialog.get_by_test_id("settings-save").click()
    expect(dialog.get_by_test_id("source-tool_timeout_s")).to_have_text("saved here")

    # A save the server refuses: the error and the field to fix come into view, the buttons
    # stay reachable.
    dialog.get_by_label("Provider").select_option("openai-compatible")
    dialog.get_by_test_id("settings-save").click()
    error = dialog.get_by_test_id("settings-error")
    expect(error).to_contain_text("Not saved")
    expect(error).to_be_in_viewport()
    field = dialog.get_by_label("Endpoint (base URL)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_in_viewport()
    expect(field).to_be_focused()
    save = dialog.get_by_test_id("settings-save")
    expect(save).to_be_in_viewport(ratio=1)
    save_box = save.bounding_box()
    assert save_box is not None and save_box["y"] + save_box["height"] <= size[1]
    shot(page, f"24-settings-refused-{size[0]}")
    page.context.close()
