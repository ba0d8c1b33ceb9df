"""The store on real SQLite and real PostgreSQL: same behaviour, portable SQL."""

from __future__ import annotations

import asyncio

import pytest

from cryptodesk.errors import NotFoundError
from cryptodesk.store.ids import new_id
from cryptodesk.store.store import Store


async def test_store_conversation_lifecycle(store: Store) -> None:
    c = await store.conversations.create("  What is   the price of Bitcoin?  ")
    assert c.title == "What is the price of Bitcoin?"
    assert c.created_at.tzinfo is not None
    await store.conversations.add_message(c.id, "user", "hi", None)
    await store.conversations.add_message(c.id, "assistant", "hello", None)
    assert [m.role for m in await store.conversations.messages(c.id)] == ["user", "assistant"]
    renamed = await store.conversations.rename(c.id, "BTC")
    assert renamed.title == "BTC"
    assert (await store.conversations.get(c.id)).title == "BTC"


async def test_store_long_titles_are_shortened(store: Store) -> None:
    c = await store.conversations.create("x" * 500)
    assert len(c.title) == 80 and c.title.endswith("…")


async def test_store_pages_newest_first(store: Store) -> None:
    ids = []
    for i in range(5):
        ids.append((await store.conversations.create(f"q{i}")).id)
        await asyncio.sleep(0.002)
    await store.conversations.add_message(ids[1], "user", "bump", None)  # most recently active
    page, total = await store.conversations.page(limit=3, offset=0)
    assert total == 5
    assert [p.title for p in page] == ["q1", "q4", "q3"]
    assert page[0].message_count == 1
    rest, _ = await store.conversations.page(limit=3, offset=3)
    assert [p.title for p in rest] == ["q2", "q0"]


async def test_store_event_log_is_ordered_and_readable_after_seq(store: Store) -> None:
    c = await store.conversations.create("q")
    run_id = new_id()
    await store.runs.create(run_id, c.id, "q", "offline", "m-1")
    for seq in range(1, 6):
        await store.runs.append_event(run_id, seq, "progress", f'{{"seq":{seq}}}')
    assert await store.runs.last_seq(run_id) == 5
    tail = await store.runs.events_after(run_id, 2)
    assert [e.seq for e in tail] == [3, 4, 5]
    assert [e.seq for e in await store.runs.events_after(run_id, 0, limit=2)] == [1, 2]
    assert (await store.runs.find_by_client_msg_id(c.id, "m-1")) is not None
    assert (await store.runs.find_by_client_msg_id(c.id, "m-2")) is None


async def test_store_duplicate_seq_is_refused(store: Store) -> None:
    c = await store.conversations.create("q")
    run_id = new_id()
    await store.runs.create(run_id, c.id, "q", "offline", None)
    await store.runs.append_event(run_id, 1, "status", "{}")
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await store.runs.append_event(run_id, 1, "status", "{}")
    assert await store.runs.last_seq(run_id) == 1


async def test_store_finish_and_unfinished(store: Store) -> None:
    c = await store.conversations.create("q")
    a, b = new_id(), new_id()
    await store.runs.create(a, c.id, "q", "offline", None)
    await store.runs.create(b, c.id, "q", "offline", None)
    await store.runs.set_status(b, "running")
    await store.runs.append_event(a, 1, "status", "{}")
    await store.runs.finish(a, "completed", usage_json='{"prompt_tokens": 0}')
    finished = await store.runs.get(a)
    assert finished.status == "completed" and finished.last_seq == 1
    assert finished.finished_at is not None and finished.finished_at.tzinfo is not None
    assert [r.id for r in await store.runs.unfinished()] == [b]


async def test_store_delete_removes_everything_of_a_conversation(store: Store) -> None:
    keep = await store.conversations.create("keep")
    gone = await store.conversations.create("gone")
    for conversation in (keep, gone):
        run_id = new_id()
        await store.runs.create(run_id, conversation.id, "q", "offline", None)
        await store.runs.append_event(run_id, 1, "status", "{}")
        await store.conversations.add_message(conversation.id, "user", "q", run_id)
        await store.charts.save_chart(
            run_id=run_id,
            conversation_id=conversation.id,
            symbol="BTC",
            interval="1h",
            title="t",
            spec={"candles": []},
        )
    await store.conversations.delete(gone.id)
    with pytest.raises(NotFoundError):
        await store.conversations.get(gone.id)
    assert await store.charts.for_conversation(gone.id) == []
    assert await store.runs.for_conversation(gone.id) == []
    assert len(await store.charts.for_conversation(keep.id)) == 1
    kept_run = (await store.runs.for_conversation(keep.id))[0]
    assert len(await store.runs.events_after(kept_run.id, 0)) == 1


async def test_store_chart_round_trip(store: Store) -> None:
    c = await store.conversations.create("q")
    spec = {"candles": [{"time": 1, "open": 1.5}], "levels": []}
    chart_id = await store.charts.save_chart(
        run_id="r", conversation_id=c.id, symbol="ETH", interval="4h", title="ETH 4h", spec=spec
    )
    chart = await store.charts.get(chart_id)
    assert (chart.symbol, chart.interval, chart.title) == ("ETH", "4h", "ETH 4h")
    assert '"open":1.5' in chart.spec


async def test_store_unknown_ids_raise_not_found(store: Store) -> None:
    for call in (
        store.conversations.get("nope"),
        store.conversations.rename("nope", "x"),
        store.conversations.delete("nope"),
        store.runs.get("nope"),
        store.charts.get("nope"),
    ):
        with pytest.raises(NotFoundError):
            await call


async def test_store_migrations_are_idempotent(store: Store) -> None:
    from cryptodesk.store.db import migrate

    await migrate(store.engine)  # already at head: a second start-up changes nothing
    assert (await store.conversations.page(10, 0))[1] == 0
