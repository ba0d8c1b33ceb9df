"""The calls of a run are written with its `result` frame: no result without its calls, no
call without its result, whatever the database does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from cryptodesk.domain.events import Report
from cryptodesk.domain.outlook import Horizon, Outlook, Scenario
from cryptodesk.realtime.hub import Hub
from cryptodesk.store.store import Store
from tests.runs.sqlite_limit import SizeLimit
from tests.runs.test_eventlog import Recorder, open_log, published, quick_retries, store, until

__all__ = ["quick_retries", "store"]

AS_OF = datetime(2026, 5, 1, 12, tzinfo=UTC)


def outlook(symbol: str = "BTC", labels: tuple[str, ...] = ("replay",)) -> Outlook:
    return Outlook(
        symbol=symbol,
        coin_id="bitcoin" if symbol == "BTC" else "ethereum",
        timeframe="4h",
        as_of=AS_OF,
        price=60_000.0,
        bias="bullish",
        strength=0.6,
        signals=[],
        horizon=Horizon(
            bars=12, hours=48, ends_at=AS_OF + timedelta(hours=48), label="about 2 days"
        ),
        support=58_000.0,
        resistance=62_000.0,
        invalidation=58_000.0,
        scenarios=[
            Scenario(
                kind="bull", trigger="a close above 62,000", trigger_price=62_000.0, target=64_000.0
            ),
            Scenario(
                kind="bear", trigger="a close below 58,000", trigger_price=58_000.0, target=56_000.0
            ),
        ],
        source="replay:BTC_USDT_4h.csv",
        data_labels=list(labels),
    )


def report(*outlooks: Outlook, engine: str = "offline", content: str = "# report") -> Report:
    return Report(content, ("TechnicalAnalyst",), (), engine, outlook=outlooks)


async def test_run_log_stores_each_outlook_of_the_result_as_a_call(store: Store) -> None:
    log, _ = await open_log(store, Hub(), Recorder())
    await log.record(report(outlook("BTC"), outlook("ETH", ("simulated",))))
    await log.end("completed", answer="# report")
    calls = {c.draft.symbol: c for c in await store.calls.for_run(log.run_id)}
    btc, eth = calls["BTC"], calls["ETH"]
    d = btc.draft
    assert (d.run_id, d.conversation_id, d.engine, d.model) == (
        log.run_id,
        log.conversation_id,
        "offline",
        None,
    )
    assert (d.as_of, d.price, d.bias, d.strength) == (AS_OF, 60_000.0, "bullish", 0.6)
    assert (d.support, d.resistance, d.invalidation) == (58_000.0, 62_000.0, 58_000.0)
    assert (d.bull_target, d.bear_target, d.horizon_bars) == (64_000.0, 56_000.0, 12)
    assert Outlook.model_validate_json(d.outlook_json) == outlook("BTC")
    assert (btc.status, eth.status) == ("pending", "void")


async def test_run_log_names_the_model_of_an_llm_call(store: Store) -> None:
    log, _ = await open_log(store, Hub(), Recorder())
    await log.record(report(outlook(), engine="magentic:openai/gpt-4o-mini"))
    await log.end("completed", answer="# report")
    (call,) = await store.calls.for_run(log.run_id)
    assert (call.draft.engine, call.draft.model) == ("magentic", "openai/gpt-4o-mini")


async def test_run_log_result_that_cannot_be_stored_leaves_no_call_until_it_is(
    store: Store,
) -> None:
    owner = Recorder()
    log, listener = await open_log(store, Hub(), owner)
    limit = SizeLimit(store.engine)
    await limit.apply()
    await log.record(report(outlook(), content="# report " + "x" * 40_000))
    await until(lambda: owner.failed == [log.run_id])
    assert await log.end("completed") == "failed"
    assert "result" in [f["type"] for f in published(listener)]
    assert await store.calls.for_run(log.run_id) == []  # nor is the frame stored
    assert "result" not in [e.type for e in await store.runs.events_after(log.run_id, 0)]

    limit.lift()
    async with asyncio.timeout(10):
        assert await owner.settled_runs.get() == log.run_id
    assert "result" in [e.type for e in await store.runs.events_after(log.run_id, 0)]
    (call,) = await store.calls.for_run(log.run_id)
    assert call.draft.symbol == "BTC"
