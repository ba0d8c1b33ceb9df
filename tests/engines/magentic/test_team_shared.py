"""What agents share: one engine's agents serve every run (concurrent runs stay apart), and a
worker's turn reaches the manager and the other workers as its answer, not its tool payloads."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from cryptodesk.config import Settings
from cryptodesk.domain.events import AgentStep, Report, ToolCalled
from cryptodesk.engines.base import RunRequest
from tests.engines.magentic.conftest import make_engine, request
from tests.engines.magentic.fake_llm import (
    FakeLLM,
    Reply,
    has_tool_result,
    ledger,
    team_responder,
    text_of,
)
from tests.fakes import RecordingSink

Body = dict[str, Any]
COINS = ("bitcoin", "ethereum")


def coin_in(text: str) -> str:
    found = [coin for coin in COINS if coin in text.lower()]
    assert len(found) == 1, f"expected one coin in {text[:300]!r}, found {found}"
    return found[0]


def coin_of(body: Body) -> str:
    """The coin a ledger (the task) or a worker turn (its instruction) is about."""
    users = [text_of(m) for m in body.get("messages") or [] if m.get("role") == "user"]
    return coin_in(users[0] if "pure JSON format" in users[-1] else users[-1])


def per_request_responder(llm: FakeLLM, body: Body, kind: str) -> Reply:
    """Answers from the request alone (no shared counters), so two runs can interleave."""
    messages = body.get("messages") or []
    convo = "\n".join(text_of(m) for m in messages)
    last = text_of(messages[-1]) if messages else ""
    if kind == "facts":
        return Reply("1. GIVEN OR VERIFIED FACTS\n- one coin")
    if kind == "plan":
        return Reply("- CryptoMarketAnalyst: fetch the price with get_crypto_price")
    if kind == "ledger":
        if "price fetched" in convo:
            return Reply(ledger(True))
        coin = coin_of(body)
        return Reply(ledger(False, "CryptoMarketAnalyst", f"Fetch the price of {coin}."))
    if kind == "worker":
        coin = coin_of(body)
        if not has_tool_result(body):
            return Reply(tool_calls=[("get_crypto_price", {"coin": coin})])
        return Reply(f"The {coin} price fetched with get_crypto_price.")
    if kind in ("report", "final"):
        return Reply(f"## Report on {coin_in(last)}")
    return Reply("ok")


async def test_concurrent_runs_on_one_engine_keep_their_state_apart(
    sequential: Settings, llm: FakeLLM
) -> None:
    llm.responder = per_request_responder
    llm.delay_s = 0.03  # long enough for the two runs' calls to interleave
    engine = make_engine(sequential)
    sinks = {coin: RecordingSink() for coin in COINS}
    questions = {"bitcoin": "Analyze bitcoin on the 4h chart", "ethereum": "Analyze ethereum now"}

    await asyncio.gather(
        *(
            engine.run(RunRequest(f"run-{coin}", f"conv-{coin}", questions[coin], (), 8), sink)
            for coin, sink in sinks.items()
        )
    )

    for coin, sink in sinks.items():
        report = sink.events[-1]
        assert isinstance(report, Report), report
        assert report.content.endswith(f"\n\n## Report on {coin}")
        symbol = {"bitcoin": "BTC", "ethereum": "ETH"}[coin]
        assert report.bottom_line is not None and report.bottom_line.startswith(f"{symbol} is $")
        assert report.content.startswith(report.bottom_line)
        calls = sink.of_type(ToolCalled)
        assert [c.arguments for c in calls] == [{"coin": coin}]
        steps = [s for s in sink.of_type(AgentStep) if s.status == "working" and s.delta is None]
        delegation = next(s for s in steps if s.agent == "CryptoMarketAnalyst")
        assert delegation.message == f"Fetch the price of {coin}."
        assert all(s.step_id.startswith(f"run-{coin}-") for s in sink.of_type(AgentStep))
        other = next(c for c in COINS if c != coin)
        assert other not in json.dumps([repr(e) for e in sink.events]).lower()
        # Each run metered its own calls: facts, plan, 2 ledgers, 2 worker turns, the report.
        assert sum(a.calls for a in report.usage.by_agent) == 7
    # The runs did overlap: the second run's first call came before the first run's last.
    order = [coin_of(r.body) for r in llm.requests if r.kind in ("ledger", "worker")]
    first, second = order[0], next(c for c in COINS if c != order[0])
    assert first in order[order.index(second) :], order


async def test_team_thread_carries_answers_not_tool_payloads(
    sequential: Settings, llm: FakeLLM
) -> None:
    llm.responder = team_responder
    sink = RecordingSink()
    await make_engine(sequential).run(request("Analyze BTC on the 4h chart"), sink)
    assert isinstance(sink.events[-1], Report)
    assert len(sink.of_type(ToolCalled)) == 4  # the tools ran, their frames went out

    def tool_traffic(body: Body) -> list[Body]:
        return [m for m in body["messages"] if m.get("role") == "tool" or m.get("tool_calls")]

    ledgers = llm.of_kind("ledger")
    assert len(ledgers) == 4
    for call in ledgers:
        assert tool_traffic(call.body) == []
    # The last ledger saw every worker's answer.
    for agent in ("CryptoMarketAnalyst", "TechnicalAnalyst", "ChartingAgent"):
        assert f"{agent}: done" in ledgers[-1].all_text
    # A worker's first request holds its instruction and the others' answers, no tool traffic;
    # its second request adds only its own tool call and result.
    workers = llm.of_kind("worker")
    assert len(workers) == 6
    for first, second in zip(workers[::2], workers[1::2], strict=True):
        assert tool_traffic(first.body) == []
        own = tool_traffic(second.body)
        assert own and all(m.get("role") == "tool" or m.get("tool_calls") for m in own)
        assert len(second.body["messages"]) == len(first.body["messages"]) + len(own)
