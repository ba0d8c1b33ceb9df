"""The watcher's tables on real SQLite and real PostgreSQL: the conditional updates that make a
firing, a scheduled run and a delivery happen once whoever races for them (replicas sharing the
database, a sender that lost its lease), and the price ticks the windows read."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from cryptodesk.store.alerts import Fire, StateChange
from cryptodesk.store.schedules import ScheduleSpec
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import NewFiring, RuleSpec, Tick

MARKET_TIME = datetime(2026, 6, 22, 18, tzinfo=UTC)


def firing(rule_id: str | None = None, targets: tuple[str, ...] = ("t1", "t2")) -> NewFiring:
    return NewFiring(
        kind="alert" if rule_id else "schedule",
        symbol="BTC",
        title="BTC price below $60,000.00",
        message="BTC is at $59,000.00, below $60,000.00",
        values={"price": 59_000.0, "threshold": 60_000.0},
        data_labels=(),
        target_ids=targets,
        market_time=MARKET_TIME,
        stage="ready",
        rule_id=rule_id,
    )


async def rule(store: Store, *, once: bool = False) -> str:
    made = await store.alerts.create(
        RuleSpec(
            coin_id="bitcoin",
            symbol="BTC",
            kind="price_below",
            value=60_000.0,
            params={},
            target_ids=("t1", "t2"),
            follow_up=False,
            once=once,
            cooldown_s=3600,
            status="active",
            origin="api",
            label="BTC price below $60,000.00",
        )
    )
    return made.id


async def test_watch_store_a_rule_fires_once_whoever_races(store: Store) -> None:
    rule_id = await rule(store)
    fire = Fire(rule_id, False, firing(rule_id))
    won = await asyncio.gather(*(store.alerts.record([], [fire]) for _ in range(4)))
    assert sum(len(w) for w in won) == 1  # one firing: the others found the rule disarmed
    assert len(await store.firings.for_rule(rule_id)) == 1
    after = await store.alerts.get(rule_id)
    assert (after.armed, after.fire_count, after.status) == (False, 1, "active")
    assert await store.alerts.record([], [fire]) == []  # disarmed until a state change
    await store.alerts.record([StateChange(rule_id, True)], [])
    assert len(await store.alerts.record([], [fire])) == 1


async def test_watch_store_a_once_rule_is_done_after_its_firing(store: Store) -> None:
    rule_id = await rule(store, once=True)
    fired = await store.alerts.record([], [Fire(rule_id, True, firing(rule_id))])
    assert len(fired) == 1
    assert (await store.alerts.get(rule_id)).status == "done"
    await store.alerts.record([StateChange(rule_id, True)], [])  # a done rule is not re-armed
    assert await store.alerts.record([], [Fire(rule_id, True, firing(rule_id))]) == []


async def test_watch_store_delivery_is_claimed_by_one_sender_and_settled_by_it(
    store: Store,
) -> None:
    rule_id = await rule(store)
    [(_, firing_id)] = await store.alerts.record([], [Fire(rule_id, False, firing(rule_id))])
    due = await store.outbox.due(datetime.now(UTC) + timedelta(seconds=1), 10)
    assert sorted(d.idempotency_key for d in due) == [f"{firing_id}:t1", f"{firing_id}:t2"]
    delivery = due[0]
    claims = await asyncio.gather(*(store.outbox.claim(delivery.id, 1) for _ in range(4)))
    won = [c for c in claims if c is not None]
    assert len(won) == 1 and won[0].status == "sending" and won[0].attempts == 1
    assert await store.outbox.finish(delivery.id, 2) is False  # not the claimer's epoch

    # The sender at epoch 1 stalls; the next holder (epoch 2) takes its row back and sends it.
    assert await store.outbox.reclaim(2) == 1
    assert await store.outbox.finish(delivery.id, 1) is False  # the old sender settles nothing
    again = await store.outbox.claim(delivery.id, 2)
    assert again is not None and again.attempts == 2
    assert await store.outbox.finish(delivery.id, 2) is True
    assert await store.outbox.claim(delivery.id, 3) is None  # sent: nothing left to claim
    [sent] = [d for d in (await store.firings.deliveries([firing_id]))[firing_id] if d.sent_at]
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)


async def test_watch_store_retry_waits_and_failure_keeps_the_reason(store: Store) -> None:
    rule_id = await rule(store)
    [(_, firing_id)] = await store.alerts.record([], [Fire(rule_id, False, firing(rule_id))])
    first, second = await store.outbox.due(datetime.now(UTC) + timedelta(seconds=1), 10)
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await store.outbox.claim(first.id, 1) is not None
    assert await store.outbox.retry(first.id, 1, "the receiver answered HTTP 500", later)
    assert await store.outbox.claim(second.id, 1) is not None
    assert await store.outbox.finish(second.id, 1, error="no answer within 10 s")
    assert await store.outbox.due(datetime.now(UTC) + timedelta(seconds=1), 10) == []
    assert [d.id for d in await store.outbox.due(later, 10)] == [first.id]
    states = {d.id: d for d in (await store.firings.deliveries([firing_id]))[firing_id]}
    assert states[first.id].status == "pending"
    assert states[first.id].last_error == "the receiver answered HTTP 500"
    assert (states[second.id].status, states[second.id].last_error) == (
        "failed",
        "no answer within 10 s",
    )


async def test_watch_store_a_due_schedule_runs_once_whoever_races(store: Store) -> None:
    due_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    schedule = await store.schedules.create(
        ScheduleSpec(
            cron="0 8 * * *",
            coin_id="bitcoin",
            symbol="BTC",
            timeframe="4h",
            question="Analyze BTC on the 4h chart",
            target_ids=(),
            label="every day at 08:00 UTC",
            next_run_at=due_at,
        )
    )
    [listed] = await store.schedules.due(datetime.now(UTC))
    following = due_at + timedelta(days=1)
    claims = await asyncio.gather(
        *(store.schedules.claim(listed, following, firing()) for _ in range(4))
    )
    assert len([c for c in claims if c is not None]) == 1
    assert await store.schedules.due(datetime.now(UTC)) == []
    assert (await store.schedules.get(schedule.id)).next_run_at == following


async def test_watch_store_ticks_latest_and_first_since(store: Store) -> None:
    start = datetime(2026, 6, 22, 12, tzinfo=UTC)

    def tick(coin: str, minutes: int, price: float) -> Tick:
        at = start + timedelta(minutes=minutes)
        return Tick(coin, at, price, None, at, "coingecko", ())

    await store.watchlist.add_ticks(
        [tick("bitcoin", 0, 64_000.0), tick("ethereum", 0, 3_200.0)], keep_after=start
    )
    await store.watchlist.add_ticks(
        [tick("bitcoin", 30, 64_500.0), tick("bitcoin", 60, 65_000.0)], keep_after=start
    )
    latest = await store.watchlist.latest_ticks(["bitcoin", "ethereum"])
    assert {c: t.price for c, t in latest.items()} == {"bitcoin": 65_000.0, "ethereum": 3_200.0}
    assert latest["bitcoin"].at == start + timedelta(minutes=60)
    since = await store.watchlist.first_ticks_since(start + timedelta(minutes=10), ["bitcoin"])
    assert since["bitcoin"].price == 64_500.0
    await store.watchlist.add_ticks([], keep_after=start + timedelta(minutes=45))
    assert await store.watchlist.oldest_tick_at() == start + timedelta(minutes=60)
