"""The first round: the data every plan needs gathered at once, specialists at the same time
(visible at the fake as requests in flight together), the Magentic ledger judging after it."""

from __future__ import annotations

from typing import Any

from cryptodesk.config import Settings
from cryptodesk.domain.events import AgentStep, Report, ToolCalled, ToolFinished
from tests.engines.magentic.conftest import make_engine, request
from tests.engines.magentic.fake_llm import FakeLLM, team_responder
from tests.fakes import RecordingSink

Body = dict[str, Any]
QUESTION = "Analyze BTC on the 4h chart"


async def test_first_round_runs_specialists_at_the_same_time(
    settings: Settings, llm: FakeLLM
) -> None:
    llm.responder = team_responder
    llm.delay_s = 0.2  # every answer takes a while: parallel turns overlap at the server
    sink = RecordingSink()
    engine = make_engine(settings)
    await engine.run(request(QUESTION), sink)
    assert isinstance(sink.events[-1], Report)
    assert llm.max_in_flight >= 2
    # No facts or plan call: the planner's tasks are the plan; one ledger judged the round.
    kinds = [r.kind for r in llm.requests]
    assert "facts" not in kinds and "plan" not in kinds
    assert kinds.count("ledger") == 1 and kinds[-2:] == ["ledger", "report"]
    assert {r.agent for r in llm.of_kind("worker")} == {
        "CryptoMarketAnalyst",
        "TechnicalAnalyst",
        "ChartingAgent",
    }
    # Fewer calls one after another than calls in all.
    assert engine.last_critical_calls < len(llm.requests)


async def test_first_round_gathers_every_data_call_at_once_under_its_specialist(
    settings: Settings, llm: FakeLLM
) -> None:
    llm.responder = team_responder
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    by_agent: dict[str, set[str]] = {}
    for call in sink.of_type(ToolCalled):
        by_agent.setdefault(call.agent, set()).add(call.tool_name)
    assert by_agent == {
        "CryptoMarketAnalyst": {"get_crypto_price"},
        "TechnicalAnalyst": {
            "compute_indicators",
            "find_key_levels",
            "detect_patterns",
            "assess_outlook",
        },
        "ChartingAgent": {"create_chart"},
    }
    # The technical calls all started before the first of them finished: one batch.
    events = sink.events
    technical = {c.call_id for c in sink.of_type(ToolCalled) if c.agent == "TechnicalAnalyst"}
    starts = [
        i for i, e in enumerate(events) if isinstance(e, ToolCalled) and e.call_id in technical
    ]
    ends = [
        i for i, e in enumerate(events) if isinstance(e, ToolFinished) and e.call_id in technical
    ]
    assert max(starts) < min(ends)
    # A data specialist read what was gathered without calling a tool again.
    reading = next(r for r in llm.of_kind("worker") if r.agent == "TechnicalAnalyst")
    assert "already gathered" in reading.last_text and "[assess_outlook]" in reading.last_text
    assert not any(m.get("role") == "tool" for m in reading.body["messages"])


async def test_first_round_ledger_sees_the_answers_not_tool_payloads(
    settings: Settings, llm: FakeLLM
) -> None:
    llm.responder = team_responder
    await make_engine(settings).run(request(QUESTION), RecordingSink())
    (judged,) = llm.of_kind("ledger")
    messages = judged.body["messages"]
    assert not any(m.get("role") == "tool" or m.get("tool_calls") for m in messages)
    for agent in ("CryptoMarketAnalyst", "TechnicalAnalyst", "ChartingAgent"):
        assert f"{agent}: done" in judged.all_text


async def test_first_round_steps_of_concurrent_agents_each_open_and_close(
    settings: Settings, llm: FakeLLM
) -> None:
    llm.responder = team_responder
    llm.delay_s = 0.1
    sink = RecordingSink()
    await make_engine(settings).run(request(QUESTION), sink)
    steps = sink.of_type(AgentStep)
    opened = [s for s in steps if s.status == "working" and s.delta is None]
    closed = {s.step_id: s for s in steps if s.status != "working"}
    assert [s.step_id for s in opened if s.step_id not in closed] == []
    assert all(closed[s.step_id].status == "completed" for s in opened)
    # A step's deltas carry its own agent: lanes never mix.
    agent_of = {s.step_id: s.agent for s in opened}
    assert all(agent_of[s.step_id] == s.agent for s in steps if s.delta)
    # Steps overlapped: some step opened while another was still open.
    open_now: set[str] = set()
    overlapped = False
    for step in steps:
        if step.status == "working" and step.delta is None:
            overlapped = overlapped or bool(open_now)
            open_now.add(step.step_id)
        elif step.status != "working":
            open_now.discard(step.step_id)
    assert overlapped
