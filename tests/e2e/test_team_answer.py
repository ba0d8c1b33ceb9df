"""The LLM team in the browser (against the loopback fake LLM): the estimate and the live cost
meter while it works, a figure no tool result holds underlined in the answer with its tooltip,
and a model that cannot call tools named in the header before anyone asks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.e2e.conftest import shot
from tests.e2e.pages import ask, open_desk, wait_done
from tests.engines.magentic.fake_llm import FakeLLM, Reply, fake_llm_server, team_responder
from tests.runtime.server import LiveServer, running

QUESTION = "Analyze BTC on the 4h chart"
INVENTED = "$123,456.78"
Body = dict[str, Any]


def inventive(fake: FakeLLM, body: Body, kind: str) -> Reply:
    """The team scenario, slow enough to watch, with a writer that keeps an invented target."""
    reply = team_responder(fake, body, kind)
    if kind in ("report", "repair"):
        reply = Reply(f"{reply.content}\n\nA target of {INVENTED} is in reach.")
    reply.delay_s = 0.4
    return reply


def team_settings(replay_settings: Settings, url: str) -> Settings:
    return replay_settings.model_copy(
        update={
            "llm_provider": "openai-compatible",
            "llm_base_url": url,
            "llm_model": "gpt-4o-mini",
            "llm_max_retries": 0,
        }
    )


@pytest.fixture
def team_server(replay_settings: Settings) -> Iterator[LiveServer]:
    with fake_llm_server(FakeLLM(inventive)) as llm:
        settings = team_settings(replay_settings, llm.openai_url)
        with running(create_app(settings)) as server:
            yield server


def test_team_answer_shows_the_meter_and_marks_a_figure_without_a_source(
    page: Page, team_server: LiveServer
) -> None:
    open_desk(page, team_server.http)
    ask(page, QUESTION)
    meter = page.get_by_test_id("cost-meter")
    # The estimate came before the first LLM call; the spend so far follows it live.
    expect(meter.get_by_test_id("cost-estimate")).to_contain_text(re.compile(r"[Ee]stimated"))
    expect(meter.get_by_test_id("cost-spent")).to_contain_text(
        re.compile(r"Spent [\d,]+ tokens, \$")
    )
    turn = wait_done(page, timeout=60_000)
    answer = turn.get_by_test_id("answer")
    expect(answer.get_by_test_id("grounding")).to_have_text(
        "1 figure without a source", use_inner_text=True
    )
    marked = answer.get_by_test_id("report").get_by_test_id("ungrounded")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text(INVENTED)
    expect(marked).to_have_attribute("title", "no tool result has this figure")
    style = marked.evaluate("e => getComputedStyle(e).textDecorationStyle")
    assert style == "dotted", style
    expect(answer.get_by_test_id("bottom-line")).to_contain_text("BTC on 4h at")
    expect(answer.get_by_test_id("usage-cost")).to_contain_text("estimated")
    marked.scroll_into_view_if_needed()
    shot(page, "team-ungrounded-figure")
    # A phone keeps the answer's head short: the flag shows the count, the words are read aloud.
    page.set_viewport_size({"width": 390, "height": 844})
    badge = answer.get_by_test_id("grounding")
    expect(badge.locator(".short")).to_be_visible()
    expect(badge.locator(".short")).to_have_text("1")
    words = badge.locator(".long")
    expect(words).to_have_text("1 figure without a source")
    size = words.bounding_box()
    assert size is not None and size["width"] <= 1, size


@pytest.fixture
def toolless_server(replay_settings: Settings) -> Iterator[LiveServer]:
    def no_tools(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if body.get("tools"):
            return Reply("this model does not support tools", status=400)
        return team_responder(fake, body, kind)

    with fake_llm_server(FakeLLM(no_tools)) as llm:
        settings = team_settings(replay_settings, llm.openai_url)
        with running(create_app(settings)) as server:
            yield server


def test_model_without_tool_calling_is_named_in_the_header(
    page: Page, toolless_server: LiveServer
) -> None:
    open_desk(page, toolless_server.http)
    badge = page.get_by_test_id("llm-problem")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("LLM can't run the team")
    expect(badge).to_have_attribute(
        "title", re.compile(r"^The model 'gpt-4o-mini' cannot call tools")
    )
