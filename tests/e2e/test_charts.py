"""The chart workspace: a large price pane, an axis that fits the data, levels labelled in the plot
(never on the price axis, never over the candles), timeframe and indicator switches without a run,
log scale, full screen, tabs with unique names, PNG download, and precision for low-priced coins."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.pages import (
    TECHNICAL,
    ask,
    assert_labels_clear_of_the_candles,
    box,
    open_desk,
    probe,
    wait_done,
)
from tests.runtime.server import LiveServer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def spacing(page: Page) -> set[int]:
    return {b - a for a, b in itertools.pairwise(probe(page, "times"))}


def wait_interval(page: Page, interval: str) -> None:
    """The workspace shows a chart of `interval`, placed on its opening view."""
    canvas = page.get_by_test_id("charts-panel").get_by_test_id("chart-canvas")
    expect(canvas).to_have_attribute("data-interval", interval)
    expect(canvas).to_have_attribute("data-placed", "true")


def test_chart_workspace_price_pane_axis_and_levels(page: Page, offline_server: LiveServer) -> None:
    open_desk(page, offline_server.http)
    ask(page, TECHNICAL)
    wait_done(page)
    wait_interval(page, "4h")
    heights = probe(page, "paneHeights")
    assert heights[0] >= 320, heights
    assert len(heights) == 3, "price, RSI and MACD panes"

    # The axis fits what is visible: every visible candle and overlay inside, little room left.
    axis = probe(page, "priceRange")
    data = probe(page, "visibleData")
    assert axis["from"] <= data["low"] and axis["to"] >= data["high"], (axis, data)
    span, data_span = axis["to"] - axis["from"], data["high"] - data["low"]
    assert span <= 1.6 * data_span, f"axis {axis} inflated around {data}"

    # The last price keeps its label on the axis; level lines put none there.
    assert probe(page, "lastValueVisible") is True
    labels = probe(page, "axisLabels")
    assert labels and not any(labels), labels
    workspace = page.get_by_test_id("charts-panel")
    levels = workspace.get_by_test_id("toggle-levels")
    expect(levels).to_have_attribute("aria-pressed", "true")
    levels.click()
    expect(levels).to_have_attribute("aria-pressed", "false")
    assert not any(probe(page, "levelLinesVisible"))
    levels.click()
    assert all(probe(page, "levelLinesVisible"))
    assert probe(page, "precision") == 2  # BTC at about 64,000: cents
    expect(workspace.get_by_test_id("pane-legend").first).to_contain_text("RSI14")
    # BTC's levels crowd the price (three within 1.5 %): stacked, they still leave the candles be,
    # and at this width the legend leaves the labels' column free: every level is labelled.
    assert_labels_clear_of_the_candles(page)
    assert len(probe(page, "levelLabelBoxes")) == len(probe(page, "levels")) > 0
    shot(page, "12-chart-levels")


def test_few_candles_fill_the_plot_with_their_labels_beside_them(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    page.get_by_test_id("quick-ETH").click()
    wait_interval(page, "4h")
    page.get_by_test_id("charts-panel").get_by_test_id("timeframe-1d").click()
    wait_interval(page, "1d")
    # ETH's replayed hours make about 90 daily candles: fewer than fit at the opening spacing,
    # they are spread over the plot (no empty band left of the first) and the labels keep their
    # room right of the last.
    times = probe(page, "times")
    assert 30 <= len(times) <= 120, len(times)
    edges = probe(page, "dataEdges")
    assert -1.5 <= edges["left"] <= 1.5, edges
    assert_labels_clear_of_the_candles(page)


def test_timeframe_and_indicators_fetch_a_fresh_chart_without_a_run(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    ask(page, TECHNICAL)
    wait_done(page)
    wait_interval(page, "4h")
    assert spacing(page) == {4 * 3600}
    workspace = page.get_by_test_id("charts-panel")

    workspace.get_by_test_id("timeframe-1d").click()
    wait_interval(page, "1d")
    assert spacing(page) == {86_400}
    expect(workspace.get_by_test_id("timeframe-1d")).to_have_attribute("aria-pressed", "true")
    expect(workspace.get_by_role("tab")).to_have_text(re.compile(r"^BTC 1d · "))
    expect(workspace.get_by_test_id("chart-panel")).to_have_attribute("data-live", "true")
    assert len(probe(page, "paneHeights")) == 3  # the same indicators on the new timeframe

    workspace.get_by_test_id("indicator-macd").click()
    expect(workspace.get_by_test_id("indicator-macd")).to_have_attribute("aria-pressed", "false")
    page.wait_for_function("window.__cryptodesk['chart:workspace']?.paneHeights().length === 2")
    workspace.get_by_test_id("toggle-log").click()
    assert probe(page, "logScale") is True
    # No run was made for any of it: the conversation still has its one turn.
    expect(page.get_by_test_id("turn")).to_have_count(1)
    shot(page, "11-chart-1d-no-macd-log")


def test_fullscreen_and_quick_chart_from_the_empty_workspace(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    workspace = page.get_by_test_id("charts-panel")
    expect(page.get_by_test_id("workspace-empty")).to_be_visible()
    page.get_by_test_id("quick-BTC").click()
    wait_interval(page, "4h")
    expect(workspace.get_by_test_id("chart-legend")).to_contain_text("BTC")
    workspace.get_by_test_id("chart-fullscreen").click()
    area = box(workspace)
    assert (area["width"], area["height"]) == (1440, 900)
    page.keyboard.press("Escape")
    assert box(workspace)["width"] < 1440


def test_two_charts_are_tabs_with_unique_names_and_download_as_png(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    ask(page, "Chart SOL and AVAX on the 4h")
    wait_done(page)
    workspace = page.get_by_test_id("charts-panel")
    tabs = workspace.get_by_role("tab")
    expect(tabs).to_have_count(2)
    titles = tabs.all_inner_texts()
    assert titles[0].startswith("SOL 4h · ") and titles[1].startswith("AVAX 4h · "), titles
    assert len(set(titles)) == 2
    # The newest chart is shown first; the others are a click (or an arrow key) away.
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    expect(workspace.get_by_test_id("chart-legend")).to_contain_text("AVAX")
    tabs.nth(0).click()
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(workspace.get_by_test_id("chart-legend")).to_contain_text("SOL")
    tabs.nth(0).press("ArrowRight")  # keyboard reachable
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    tabs.nth(1).press("ArrowLeft")
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(workspace.get_by_test_id("chart-legend")).to_contain_text("SOL")

    with page.expect_download() as info:
        workspace.get_by_test_id("chart-png").click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    assert "SOL" in download.suggested_filename.upper()
    data = download.path().read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width > 200 and height > 150, (width, height)
    shot(page, "10-chart-tabs")


def test_low_priced_coin_keeps_its_digits_on_axis_legend_and_levels(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    ask(page, "Analyze DOGE on the 4h chart")
    turn = wait_done(page)
    wait_interval(page, "4h")
    # DOGE at about 0.09: five significant digits everywhere (0.094123), not 8 decimals.
    five = r"0\.0*[1-9]\d{4}(?!\d)"
    legend = page.get_by_test_id("charts-panel").get_by_test_id("chart-legend")
    expect(legend).to_contain_text(re.compile(rf"C {five}"))
    close = re.search(rf"C ({five})", legend.inner_text())
    assert close is not None
    assert probe(page, "precision") == len(close.group(1).split(".")[1])  # the axis: the same
    expect(turn.get_by_test_id("outlook-price")).to_have_text(re.compile(rf"^{five}$"))
    expect(turn.get_by_test_id("outlook-support")).to_contain_text(re.compile(five))
    axis = probe(page, "priceRange")
    data = probe(page, "visibleData")
    assert axis["to"] - axis["from"] <= 1.6 * (data["high"] - data["low"]), (axis, data)
