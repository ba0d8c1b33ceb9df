"""The track record in Chromium: the calls of real answers settled by the replayed market, the
statistics next to the baselines, a saved backtest, feedback on an answer counted in the view;
screenshots at 1440x900, 1280x720 and 390x844 in both themes (test-artifacts/screenshots/)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.record.backtest import BacktestSpec, run_backtest, settlements
from cryptodesk.store.records import Backtest
from cryptodesk.store.store import Store
from tests.e2e.conftest import new_page
from tests.e2e.pages import SIZES, axe_violations, open_desk, screenshot
from tests.record.calls import REPLAY_DIR
from tests.runtime.client import ask, chat
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running

T0 = datetime(2026, 5, 1, tzinfo=UTC)
QUESTIONS = {
    0: ("Analyze BTC on the 4h chart", "Analyze ETH on the 1h chart"),
    1: ("Analyze BTC on the 4h chart", "What are the support and resistance levels for SOL?"),
    2: ("Analyze BTC on the 4h chart", "Should I buy AVAX on the 1h chart?"),
}
CALLS = 6
T = TypeVar("T")


def _settings(data: Path, now: datetime, every_s: float = 3600.0) -> Settings:
    return Settings(
        data_dir=data,
        market_data="replay",
        replay_dir=REPLAY_DIR,
        replay_now=now,
        engine="offline",
        calls_evaluate_every_s=every_s,
        _env_file=None,  # type: ignore[call-arg]
    )


def _in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs a coroutine on its own loop in a thread (Playwright's loop owns this one)."""
    box: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            box.append(asyncio.run(make()))
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return box[0]


async def _save_backtest(data: Path) -> None:
    spec = BacktestSpec(
        ("BTC",), "4h", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 31, tzinfo=UTC), 86_400
    )
    store = await Store.open(_settings(data, T0).resolved_database_url)
    try:
        result = await run_backtest(REPLAY_DIR, spec, backtest_id="bt-spring")
        drafts, settled = settlements(result.calls)
        record = Backtest(
            id="bt-spring",
            name="BTC spring",
            symbols=("BTC",),
            timeframe="4h",
            start=spec.start,
            end=spec.end,
            every_s=86_400,
            source=str(REPLAY_DIR),
            call_count=len(drafts),
            created_at=datetime.now(UTC),
        )
        await store.backtests.save(record, drafts, settled)
    finally:
        await store.close()


@pytest.fixture(scope="module")
def record_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Answers as of 1, 2 and 3 May 2026 in the replayed market, then the server ten days on,
    evaluating its calls every 0.2 s; a saved backtest beside them."""
    data = tmp_path_factory.mktemp("record-e2e") / "data"
    for day, questions in QUESTIONS.items():
        with running(create_app(_settings(data, T0 + timedelta(days=day)))) as server:
            for question in questions:
                frames = _in_thread(lambda q=question: ask(server.ws, chat(q)))  # type: ignore[misc]
                check_run(frames, expect="completed")
    _in_thread(lambda: _save_backtest(data))
    with running(create_app(_settings(data, T0 + timedelta(days=10), every_s=0.2))) as server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            calls = httpx.get(f"{server.http}/api/v1/calls", params={"status": "settled"}).json()
            if calls["total"] == CALLS:
                break
            time.sleep(0.1)
        assert calls["total"] == CALLS, httpx.get(f"{server.http}/api/v1/calls").json()
        yield server


def _open_record(page: Page, url: str) -> None:
    open_desk(page, url)
    page.get_by_test_id("open-record").click()
    expect(page.get_by_test_id("track-record")).to_be_visible()
    expect(page.get_by_test_id("record-summary")).to_be_visible()


def _settled_on_backtest(page: Page) -> None:
    """The backtest's calls in place: while they load, the previous ones are shown dimmed (half
    opacity), which neither a screenshot nor a contrast check should catch."""
    expect(page.get_by_test_id("backtest-info")).to_be_visible()
    expect(page.get_by_test_id("call").first).to_contain_text("backtest")
    calls = page.locator("ol.calls")
    expect(calls).to_have_attribute("aria-busy", "false")
    expect(calls).not_to_have_class(re.compile(r"\bloading\b"))


def _theme(page: Page, theme: str) -> None:
    if page.evaluate("document.documentElement.dataset.theme") != theme:
        page.get_by_test_id("theme").click()


def test_track_record_lists_settled_calls_next_to_the_baselines(
    page: Page, record_server: LiveServer
) -> None:
    _open_record(page, record_server.http)
    calls = page.get_by_test_id("call")
    expect(calls).to_have_count(CALLS)
    expect(page.get_by_test_id("small-sample")).to_contain_text(f"Only {CALLS} settled calls")
    table = page.get_by_test_id("baselines")
    for row in ("The desk", "Always bullish", "Coin flip", "Buy and hold"):
        expect(table).to_contain_text(row)
    expect(page.get_by_test_id("desk-hit-rate")).to_have_text(re.compile(r"^\d+\.\d%$"))
    first = calls.first
    expect(first.get_by_test_id("call-outcome")).to_be_visible()
    expect(first.get_by_test_id("call-result")).to_contain_text("MAE")
    chart = first.get_by_test_id("after-chart")
    expect(chart).to_have_attribute("aria-label", re.compile("after the call"))
    assert chart.locator("g.candle.after").count() >= 12

    page.get_by_test_id("record-asset").fill("BTC")
    expect(calls).to_have_count(3)
    outcome = calls.first.get_attribute("data-outcome")
    assert outcome
    page.get_by_test_id("record-outcome").select_option(outcome)
    expect(calls.first).to_have_attribute("data-outcome", outcome)


def test_call_links_to_the_answer_that_made_it(page: Page, record_server: LiveServer) -> None:
    _open_record(page, record_server.http)
    page.get_by_test_id("record-asset").fill("SOL")
    expect(page.get_by_test_id("call")).to_have_count(1)
    page.get_by_test_id("call-run-link").click()
    expect(page.get_by_test_id("track-record")).to_have_count(0)
    outlook = page.get_by_test_id("outlook")
    expect(outlook).to_have_attribute("data-symbol", "SOL")
    expect(page.get_by_test_id("turn")).to_have_count(1)


def test_feedback_on_an_answer_is_kept_and_counted(page: Page, record_server: LiveServer) -> None:
    _open_record(page, record_server.http)
    page.get_by_test_id("record-asset").fill("AVAX")
    expect(page.get_by_test_id("call")).to_have_count(1)
    page.get_by_test_id("call-run-link").click()
    feedback = page.get_by_test_id("feedback")
    feedback.get_by_test_id("thumbs-down").click()
    expect(feedback).to_have_attribute("data-rating", "down")
    feedback.get_by_test_id("reason-wrong_number").click()
    expect(feedback.get_by_test_id("reason-wrong_number")).to_have_attribute("aria-pressed", "true")

    page.reload()  # stored with the run: the answer shows it again
    feedback = page.get_by_test_id("feedback")
    expect(feedback).to_have_attribute("data-rating", "down")
    expect(feedback.get_by_test_id("reason-wrong_number")).to_have_attribute("aria-pressed", "true")

    page.get_by_test_id("open-record").click()
    counts = page.get_by_test_id("feedback-counts")
    expect(counts).to_contain_text("Wrong number 1")
    expect(counts).to_contain_text("thumbs down 1")


def test_saved_backtest_is_viewable(page: Page, record_server: LiveServer) -> None:
    _open_record(page, record_server.http)
    page.get_by_test_id("record-scope").select_option(label="backtest “BTC spring”")
    expect(page.get_by_test_id("backtest-info")).to_contain_text("BTC 4h")
    expect(page.get_by_test_id("small-sample")).to_have_count(0)
    expect(page.get_by_test_id("call")).to_have_count(20)
    expect(page.get_by_test_id("call").first).to_contain_text("backtest")
    page.get_by_test_id("record-older").click()
    expect(page.get_by_text("Page 2 of 5")).to_be_visible()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_track_record_has_no_serious_accessibility_violations(
    browser: Browser, record_server: LiveServer, theme: str
) -> None:
    page = new_page(browser, *SIZES["desktop"], theme=theme)
    _open_record(page, record_server.http)
    _theme(page, theme)
    expect(page.get_by_test_id("call")).to_have_count(CALLS)
    found = {"answers": axe_violations(page)}
    page.get_by_test_id("record-scope").select_option(label="backtest “BTC spring”")
    _settled_on_backtest(page)
    found["backtest"] = axe_violations(page)
    page.context.close()
    assert found == {"answers": [], "backtest": []}


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("size", ["desktop", "laptop", "phone"])
def test_track_record_screenshots(
    browser: Browser, record_server: LiveServer, size: str, theme: str
) -> None:
    width, height = SIZES[size]
    page = new_page(browser, width, height, theme=theme)
    name = f"{size}-{width}x{height}-{theme}"
    _open_record(page, record_server.http)
    _theme(page, theme)
    expect(page.get_by_test_id("call")).to_have_count(CALLS)
    expect(page.get_by_test_id("record-summary")).to_be_in_viewport()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    screenshot(page, f"{name}-7-track-record")
    # The calls from their heading down (the view scrolls inside itself, under the header).
    page.get_by_role("heading", name=re.compile(r"^Calls \d+ in all")).evaluate(
        "e => e.scrollIntoView()"
    )
    expect(page.get_by_test_id("call").first).to_be_in_viewport()
    screenshot(page, f"{name}-8-track-record-calls")
    page.get_by_test_id("record-scope").select_option(label="backtest “BTC spring”")
    _settled_on_backtest(page)
    expect(page.get_by_test_id("small-sample")).to_have_count(0)
    screenshot(page, f"{name}-9-backtest")
    page.get_by_test_id("record-scope").select_option("")
    page.get_by_test_id("record-asset").fill("ETH")
    expect(page.get_by_test_id("call")).to_have_count(1)
    page.get_by_test_id("call-run-link").click()
    feedback = page.get_by_test_id("feedback")
    feedback.get_by_test_id("thumbs-down").click()
    expect(feedback.get_by_test_id("reason-not_useful")).to_be_visible()
    feedback.scroll_into_view_if_needed()
    screenshot(page, f"{name}-10-answer-feedback")
    feedback.get_by_test_id("thumbs-down").click()  # taken back: other tests count feedback
    expect(feedback).to_have_attribute("data-rating", "none")
    page.context.close()
