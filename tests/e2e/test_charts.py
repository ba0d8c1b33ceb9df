"""Several charts become tabs; the PNG download gives a real PNG of the chart shown."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.test_ask import ask
from tests.runtime.server import LiveServer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_two_charts_are_tabs_and_download_as_png(page: Page, offline_server: LiveServer) -> None:
    page.goto(offline_server.http)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-phase", "open")
    ask(page, "Chart SOL and AVAX on the 4h")
    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "completed")

    charts = page.get_by_test_id("charts-panel")
    tabs = charts.get_by_role("tab")
    expect(tabs).to_have_count(2)
    titles = tabs.all_inner_texts()
    assert any("SOL" in t for t in titles) and any("AVAX" in t for t in titles), titles
    # The newest chart is shown first; the others are a click (or an arrow key) away.
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    expect(charts.get_by_test_id("chart-legend")).to_contain_text("AVAX")

    tabs.nth(0).click()
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(charts.get_by_test_id("chart-legend")).to_contain_text("SOL")
    expect(charts.get_by_test_id("chart-canvas").locator("canvas").first).to_be_visible()

    tabs.nth(0).press("ArrowRight")  # keyboard reachable
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    expect(charts.get_by_test_id("chart-legend")).to_contain_text("AVAX")
    tabs.nth(1).press("ArrowLeft")
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(charts.get_by_test_id("chart-legend")).to_contain_text("SOL")

    with page.expect_download() as info:
        charts.get_by_test_id("chart-png").click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    assert "SOL" in download.suggested_filename.upper()
    path = download.path()
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width > 200 and height > 150, (width, height)
    shot(page, "10-chart-tabs")
