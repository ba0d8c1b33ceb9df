"""Ask the offline analyst a technical question: the trace, its tool cards, the chart in the
workspace and the answer in the conversation."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.pages import TECHNICAL, ask, expand_trace, open_desk, wait_done
from tests.runtime.server import LiveServer

QUESTION = TECHNICAL


def test_ask_technical_question_shows_steps_tools_chart_and_report(
    page: Page, offline_server: LiveServer
) -> None:
    open_desk(page, offline_server.http)
    expect(page.get_by_test_id("examples")).to_be_visible()
    expect(page.get_by_test_id("workspace-empty")).to_be_visible()

    ask(page, QUESTION)
    expect(page.get_by_test_id("user-message").first).to_have_text(QUESTION)
    expect(page.get_by_test_id("composer")).to_have_value("")

    turn = wait_done(page)
    expect(turn.get_by_test_id("trace-summary")).to_contain_text("5 steps")
    timeline = expand_trace(turn)
    steps = timeline.get_by_test_id("step")
    agents = steps.locator(".title").all_inner_texts()
    assert any("TechnicalAnalyst" in a for a in agents), agents
    assert any("ChartingAgent" in a for a in agents), agents
    assert all(s == "completed" for s in steps.evaluate_all("els => els.map(e => e.dataset.state)"))
    tools = timeline.get_by_test_id("tool-card")
    assert tools.count() >= 4
    assert set(tools.evaluate_all("els => els.map(e => e.dataset.state)")) == {"ok"}
    expect(turn.get_by_test_id("trace-summary")).to_contain_text(f"{tools.count()} tools")
    indicators = timeline.locator("[data-testid=tool-card]", has_text="compute_indicators").first
    indicators.locator("summary").click()
    expect(indicators.get_by_test_id("tool-arguments")).to_contain_text('"timeframe": "4h"')
    expect(indicators.get_by_test_id("tool-preview")).to_be_visible()

    workspace = page.get_by_test_id("charts-panel")
    expect(workspace.get_by_test_id("chart-canvas").locator("canvas").first).to_be_visible()
    expect(workspace.get_by_test_id("chart-legend")).to_contain_text("BTC")
    expect(workspace.get_by_role("tab")).to_have_count(1)
    expect(turn.get_by_test_id("chart-chip")).to_have_attribute("aria-pressed", "true")

    answer = turn.get_by_test_id("answer")
    expect(answer.get_by_test_id("markdown").locator("h1")).to_contain_text("Bitcoin")
    assert answer.locator("table").count() >= 2
    expect(answer).to_contain_text("offline analyst")
    expect(answer).to_contain_text("replay")
    expect(answer.get_by_test_id("usage")).to_contain_text("Tokens")
    expect(answer).not_to_contain_text("Report ready")
    shot(page, "01-ask-technical")
