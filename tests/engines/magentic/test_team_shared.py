"""One engine's agents serve every run: concurrent runs keep events, tools and reports apart."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from cryptodesk.config import Settings
from cryptodesk.engines.base import RunRequest
from cryptodesk.runs.events import AgentStep, Report, ToolCalled
from tests.engines.magentic.conftest import make_engine
from tests.engines.magentic.fake_llm import FakeLLM, Reply, has_tool_result, ledger, text_of
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
    settings: Settings, llm: FakeLLM
) -> None:
    llm.responder = per_request_responder
    llm.delay_s = 0.03  # long enough for the two runs' calls to interleave
    engine = make_engine(settings)
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
        assert report.content == f"## Report on {coin}"
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
