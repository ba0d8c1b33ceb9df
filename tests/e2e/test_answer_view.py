"""The answer in the conversation: after a technical question its bottom line and outlook card
are in view without scrolling on desktop, and reachable by page scrolling alone on a phone (no part
of the answer scrolls inside itself); a comparison draws its normalised-performance chart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import new_page
from tests.e2e.paced import PacedAnalyst
from tests.e2e.pages import (
    COMPARISON,
    SIZES,
    TECHNICAL,
    ask,
    assert_labels_clear_of_the_candles,
    box,
    inside_viewport,
    open_desk,
    probe,
    scroll_boxes,
    wait_done,
)
from tests.runtime.server import LiveServer


@pytest.mark.parametrize("size", ["desktop", "laptop"])
def test_answer_bottom_line_and_outlook_in_view_without_scrolling_on_desktop(
    browser: Browser, offline_server: LiveServer, size: str
) -> None:
    page = new_page(browser, *SIZES[size])
    open_desk(page, offline_server.http)
    ask(page, TECHNICAL)
    turn = wait_done(page)
    answer = turn.get_by_test_id("answer")
    composer = page.get_by_test_id("composer")
    expect(answer.get_by_test_id("bottom-line")).to_contain_text("BTC on 4h at")
    expect(answer.get_by_test_id("answer-kind")).to_have_text("Answered")
    outlook = answer.get_by_test_id("outlook")
    expect(outlook).to_have_count(1)
    for part in ("outlook-support", "outlook-resistance", "outlook-invalidation"):
        expect(outlook.get_by_test_id(part)).to_be_visible()
    assert page.evaluate("window.scrollY") == 0, "the page itself never scrolls on desktop"
    assert inside_viewport(page, answer.get_by_test_id("bottom-line"), below=composer)
    assert inside_viewport(page, outlook, below=composer)
    if size == "desktop":  # at 1440x900 the question fits above its answer's lead
        assert inside_viewport(page, turn.get_by_test_id("user-message"))
    assert scroll_boxes(answer) == []
    # The signals behind the bias: how they lean at first, each with its tool once opened.
    signals = outlook.get_by_test_id("outlook-signals")
    summary = signals.locator("summary")
    counted = re.match(r"(\d+) signals", summary.inner_text())
    assert counted is not None, summary.inner_text()
    expect(signals.get_by_test_id("outlook-signal").first).to_be_hidden()
    summary.click()
    rows = signals.get_by_test_id("outlook-signal")
    expect(rows).to_have_count(int(counted.group(1)))
    for row in rows.all():
        expect(row.locator(".source")).to_have_text(re.compile(r"^[a-z_]+$"))
    page.context.close()


def test_answer_on_a_phone_follows_the_answer_and_scrolls_with_the_page(
    browser: Browser, offline_server: LiveServer
) -> None:
    page = new_page(browser, *SIZES["phone"])
    open_desk(page, offline_server.http)
    ask(page, TECHNICAL)
    turn = wait_done(page)
    answer = turn.get_by_test_id("answer")
    bottom_line = answer.get_by_test_id("bottom-line")
    expect(bottom_line).to_be_in_viewport()
    # The answer's head (its kind, engine, labels, actions) and its bottom line are in view,
    # under the sticky header, above the composer.
    topbar, composer = page.locator(".topbar"), page.get_by_test_id("composer")
    head = answer.locator(".answer-head")
    assert inside_viewport(page, bottom_line, below=composer, under=topbar)
    assert inside_viewport(page, head, under=topbar)
    assert box(head)["height"] <= 34, "the answer's head is one row"
    # One column, nothing wider than the screen; the answer has no inner scroll box.
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"][0]
    assert scroll_boxes(answer) == []
    assert box(topbar)["height"] <= 56, "the header is one row"
    # The engine badge reads whole at every width (regression: the watchlist, notifications and
    # track record buttons squeezed it to "o…" on a phone).
    engine = page.get_by_test_id("engine-badge").locator(".clip.short")
    expect(engine).to_have_text("offline")
    assert engine.evaluate("e => e.scrollWidth <= e.clientWidth"), "engine badge cut"
    # Everything of the answer is reachable by scrolling the page: the end of the report too.
    usage = answer.get_by_test_id("usage")
    usage.scroll_into_view_if_needed()
    expect(usage).to_be_in_viewport()
    # The chart is drawn inside the answer (no workspace on a phone), and wide tables scroll
    # sideways inside themselves.
    chart = answer.get_by_test_id("chart-canvas")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(chart).to_have_attribute("data-placed", "true")
    # A phone's plot is narrow: the level labels are the prices alone, right of the newest
    # candle, and their room leaves most of the plot to the candles.
    key = chart.get_attribute("data-chart-key")
    assert key is not None
    assert_labels_clear_of_the_candles(page, key)
    edges = probe(page, "dataEdges", key)
    assert edges["right"] >= 0.7 * edges["plotWidth"], edges
    labels = probe(page, "levelLabelBoxes", key)
    assert all(re.fullmatch(r"[\d,]+\.\d\d", label["text"]) for label in labels), labels
    assert probe(page, "paneHeights", key)[0] >= 250
    wide = answer.locator(".table-scroll").last
    assert wide.evaluate("t => t.scrollWidth > t.clientWidth"), "the levels table is wider"
    assert wide.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    page.context.close()


def test_phone_view_stays_where_the_user_scrolled_during_a_run(
    browser: Browser, paced_server: LiveServer, paced_analyst: PacedAnalyst
) -> None:
    page = new_page(browser, *SIZES["phone"])
    open_desk(page, paced_server.http)
    ask(page, TECHNICAL)
    wait_done(page)
    paced_analyst.pause_s = 1.0
    ask(page, "Analyze ETH on the 1d chart")
    second = page.get_by_test_id("turn").nth(1)
    expect(second.get_by_test_id("trace-current")).to_be_visible()
    page.mouse.wheel(0, -5000)  # the user goes back to read the first answer
    page.wait_for_timeout(300)
    scrolled = page.evaluate("window.scrollY")
    wait_done(page, 2)
    page.wait_for_timeout(300)
    assert page.evaluate("window.scrollY") == scrolled, "the view moved away from the reader"
    expect(second.get_by_test_id("bottom-line")).not_to_be_in_viewport()
    page.context.close()


def test_comparison_answer_draws_normalised_performance(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    ask(page, COMPARISON)
    turn = wait_done(page)
    expect(turn.get_by_test_id("bottom-line")).to_contain_text("SOL")
    workspace = page.get_by_test_id("charts-panel")
    canvas = workspace.get_by_test_id("chart-canvas")
    expect(canvas).to_have_attribute("data-kind", "comparison")
    expect(canvas).to_have_attribute("data-placed", "true")
    legend = workspace.get_by_test_id("chart-legend")
    expect(legend).to_contain_text("SOL")
    expect(legend).to_contain_text("AVAX")
    expect(legend).to_contain_text("%")
    # One line per coin, both from 0 % at the window's start, and the whole window in view.
    assert probe(page, "lineStarts") == [0, 0]
    edges = probe(page, "dataEdges")
    assert -1.5 <= edges["left"] <= 1.5 and edges["right"] <= edges["plotWidth"], edges
    expect(workspace.get_by_test_id("timeframe-1d")).to_have_count(0)
    expect(workspace.get_by_role("tab")).to_have_text(re.compile(r"^SOL vs AVAX 4h · \d\d:\d\d$"))
