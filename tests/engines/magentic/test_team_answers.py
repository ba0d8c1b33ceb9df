"""What an LLM run answers with: the bottom line first, the outlook from `assess_outlook`, and
every figure of the report checked against the tool results (one repair round, then flagged)."""

from __future__ import annotations

import re
from typing import Any

from cryptodesk.config import Settings
from cryptodesk.domain.events import Report, ToolCalled
from cryptodesk.domain.grounding import UnmatchedFigure
from cryptodesk.tools.base import ToolResult
from cryptodesk.tools.outlook import OutlookResult
from cryptodesk.tools.registry import ToolRegistry, build_registry
from tests.engines.conftest import RecordingTool
from tests.engines.magentic.conftest import make_engine, request
from tests.engines.magentic.fake_llm import FakeLLM, Reply, default_responder
from tests.fakes import RecordingSink

Body = dict[str, Any]
QUESTION = "Analyze BTC on the 4h chart"
INVENTED = "$123,456.78"
PRICE = re.compile(r"Bitcoin \(BTC\) (\$[\d,.]+), 24h [^(]*\(high ([\d,.]+), low ([\d,.]+)")


def price_line(body: Body) -> tuple[str, float, float]:
    """The price, 24h high and low get_crypto_price gave, as the report prompt quotes them."""
    text = "\n".join(str(m.get("content") or "") for m in body["messages"])
    found = PRICE.search(text)
    assert found is not None, text[:500]
    price, high, low = found.groups()
    return price, float(high.replace(",", "")), float(low.replace(",", ""))


def report_of(sink: RecordingSink) -> Report:
    report = sink.events[-1]
    assert isinstance(report, Report)
    return report


async def test_team_invented_figure_is_flagged_after_one_repair_round(
    settings: Settings, llm: FakeLLM
) -> None:
    def inventive(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if kind in ("report", "repair"):  # a writer that keeps its invented target
            price, _, _ = price_line(body)
            return Reply(f"## BTC\nBTC trades at {price} [1: get_crypto_price], target {INVENTED}.")
        return default_responder(fake, body, kind)

    llm.responder = inventive
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    (repair,) = llm.of_kind("repair")
    assert INVENTED in repair.last_text
    # The repair round continues the writer's conversation: its prompt, its report, the list.
    assert [m["role"] for m in repair.body["messages"][-3:]] == ["user", "assistant", "user"]
    report = report_of(sink)
    assert report.grounding is not None
    assert report.grounding.unmatched == [UnmatchedFigure(text=INVENTED, value=123456.78)]
    assert report.grounding.matched == report.grounding.checked - 1
    assert INVENTED in report.content  # flagged, not hidden


async def test_team_repair_round_fixes_the_figure(settings: Settings, llm: FakeLLM) -> None:
    def corrected(fake: FakeLLM, body: Body, kind: str) -> Reply:
        price, _, _ = price_line(body) if kind in ("report", "repair") else ("", 0, 0)
        if kind == "report":
            return Reply(f"## BTC\nBTC trades at {INVENTED} [1: get_crypto_price].")
        if kind == "repair":
            return Reply(f"## BTC\nBTC trades at {price} [1: get_crypto_price].")
        return default_responder(fake, body, kind)

    llm.responder = corrected
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    assert llm.count("repair") == 1
    report = report_of(sink)
    assert report.grounding is not None and report.grounding.unmatched == []
    assert INVENTED not in report.content
    repaired = [s for s in sink.events if getattr(s, "agent", "") == "ReportWriter"]
    assert any("Fixing the figures" in s.message for s in repaired)


async def test_team_percentage_of_two_tool_values_is_matched(
    settings: Settings, llm: FakeLLM
) -> None:
    def ranged(fake: FakeLLM, body: Body, kind: str) -> Reply:
        if kind == "report":
            price, high, low = price_line(body)
            span = (high - low) / low * 100  # the day's range over its low
            return Reply(f"## BTC\n{price}; the 24h range spans +{span:.2f}% of its low.")
        return default_responder(fake, body, kind)

    llm.responder = ranged
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    assert llm.count("repair") == 0
    report = report_of(sink)
    assert report.grounding is not None and report.grounding.unmatched == []
    assert re.search(r"spans \+\d+\.\d\d% of its low", report.content)


async def test_team_report_opens_with_the_bottom_line_of_the_tool_results(
    settings: Settings, llm: FakeLLM
) -> None:
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    report = report_of(sink)
    assert report.bottom_line is not None
    assert report.content.startswith(report.bottom_line + "\n\n")
    # The writer was given it word for word, computed from assess_outlook's output.
    prompt = llm.of_kind("report")[0].last_text
    assert f"word for word):\n{report.bottom_line}\n" in prompt
    (outlook,) = report.outlook
    assert report.bottom_line.startswith(f"BTC on 4h at {outlook.price:,.2f}: {outlook.bias}")
    assert report.answer_kind == "answered"


async def test_team_outlook_is_assess_outlooks_output_called_by_the_technical_analyst(
    settings: Settings, llm: FakeLLM
) -> None:
    results: list[ToolResult] = []
    base = build_registry()
    registry = ToolRegistry(RecordingTool(base.get(n), results) for n in base.names())
    sink = RecordingSink()
    await make_engine(settings, registry=registry).run(request(QUESTION), sink)
    (called,) = [c for c in sink.of_type(ToolCalled) if c.tool_name == "assess_outlook"]
    assert called.agent == "TechnicalAnalyst"
    (tool_output,) = [r for r in results if isinstance(r, OutlookResult)]
    # The run's outlook is the tool's structured output itself, never parsed from prose.
    assert report_of(sink).outlook == (tool_output.outlook,)
