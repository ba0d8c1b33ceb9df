"""Ask a technical question and watch steps, tool cards, progress, the chart and the report."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.runtime.server import LiveServer

QUESTION = "Analyze ETH on the 4h chart with RSI and MACD"


def ask(page: Page, question: str) -> None:
    box = page.get_by_test_id("composer")
    box.fill(question)
    box.press("Enter")


def test_ask_technical_question_shows_steps_tools_chart_and_report(
    page: Page, offline_server: LiveServer
) -> None:
    page.goto(offline_server.http)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-phase", "open")
    expect(page.get_by_test_id("examples")).to_be_visible()

    ask(page, QUESTION)
    expect(page.get_by_test_id("user-message").first).to_have_text(QUESTION)
    expect(page.get_by_test_id("composer")).to_have_value("")

    expect(page.get_by_test_id("run-phase")).to_have_attribute("data-phase", "completed")
    steps = page.get_by_test_id("step")
    agents = steps.locator(".title").all_inner_texts()
    assert any("TechnicalAnalyst" in a for a in agents), agents
    assert any("ChartingAgent" in a for a in agents), agents
    assert all(s == "completed" for s in steps.evaluate_all("els => els.map(e => e.dataset.state)"))

    tools = page.get_by_test_id("tool-card")
    assert tools.count() >= 4
    assert set(tools.evaluate_all("els => els.map(e => e.dataset.state)")) == {"ok"}
    indicators = page.locator("[data-testid=tool-card]", has_text="compute_indicators").first
    indicators.locator("summary").click()
    expect(indicators.get_by_test_id("tool-arguments")).to_contain_text('"timeframe": "4h"')
    expect(indicators.get_by_test_id("tool-preview")).to_be_visible()

    expect(page.get_by_test_id("progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("progress-text")).to_contain_text("Turn 5 of 15")

    charts = page.get_by_test_id("charts-panel")
    expect(charts.get_by_test_id("chart-canvas").locator("canvas").first).to_be_visible()
    assert charts.get_by_test_id("level").count() >= 2
    expect(charts.get_by_test_id("chart-legend")).to_contain_text("ETH")

    report = page.get_by_test_id("report-panel")
    expect(report.get_by_test_id("markdown").locator("h1")).to_contain_text("Ethereum")
    assert report.locator("table").count() >= 2
    expect(report).to_contain_text("offline analyst")
    expect(report).to_contain_text("replay")
    expect(report.get_by_test_id("usage")).to_contain_text("Tokens")
    shot(page, "01-ask-technical")
