"""The store on real SQLite and real PostgreSQL: same behaviour, portable SQL."""

from __future__ import annotations

import asyncio

import pytest

from cryptodesk.errors import ConflictError, NotFoundError
from cryptodesk.store.ids import new_id
from cryptodesk.store.runs import PendingEvent, RunEnding
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


async def test_store_long_titles_end_at_a_word(store: Store) -> None:
    question = "Compare the 4h momentum of BTC, ETH, SOL and AVAX " * 4
    c = await store.conversations.create(question)
    assert len(c.title) <= 80 and c.title.endswith("…")
    shown = c.title[:-1]
    assert question.startswith(shown) and question[len(shown)] in " ,", c.title


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


async def test_store_close_and_unfinished(store: Store) -> None:
    c, other = await store.conversations.create("q"), await store.conversations.create("q2")
    a, b = new_id(), new_id()
    await store.runs.create(a, c.id, "q", "offline", None)
    await store.runs.create(b, other.id, "q", "offline", None)
    await store.runs.mark_running(b, epoch=1)
    await store.runs.append_event(a, 1, "status", "{}")
    ending = RunEnding("completed", usage_json='{"prompt_tokens": 0}', answer="the report")
    await store.runs.close(a, [PendingEvent(2, "status", '{"final":true}')], ending, epoch=1)
    finished = await store.runs.get(a)
    assert finished.status == "completed" and finished.last_seq == 2
    assert finished.finished_at is not None and finished.finished_at.tzinfo is not None
    assert [r.id for r in await store.runs.unfinished()] == [b]
    assert [(m.role, m.content) for m in await store.conversations.messages(c.id)] == [
        ("assistant", "the report")
    ]


async def test_store_close_is_idempotent(store: Store) -> None:
    # A close whose outcome was unknown is repeated: nothing doubles, the first end stays.
    c = await store.conversations.create("q")
    run_id = new_id()
    await store.runs.create(run_id, c.id, "q", "offline", None)
    closing = [PendingEvent(1, "error", "{}"), PendingEvent(2, "status", "{}")]
    await store.runs.close(run_id, closing, RunEnding("completed", answer="report"), epoch=1)
    await store.runs.close(run_id, closing, RunEnding("failed", "storage_failed", "x"), epoch=1)
    run = await store.runs.get(run_id)
    assert (run.status, run.error_code, run.last_seq) == ("completed", None, 2)
    assert [e.seq for e in await store.runs.events_after(run_id, 0)] == [1, 2]
    assert len(await store.conversations.messages(c.id)) == 1


async def test_store_begin_creates_conversation_run_and_message_at_once(store: Store) -> None:
    run = await store.runs.begin(new_id(), None, "price of  BTC", "offline", "m-1")
    conversation = await store.conversations.get(run.conversation_id)
    assert conversation.title == "price of BTC"
    messages = await store.conversations.messages(run.conversation_id)
    assert [(m.role, m.content, m.run_id) for m in messages] == [("user", "price of  BTC", run.id)]
    await store.runs.close(
        run.id, [PendingEvent(1, "status", "{}")], RunEnding("completed"), epoch=1
    )
    again = await store.runs.begin(new_id(), run.conversation_id, "and ETH?", "offline", None)
    assert again.conversation_id == run.conversation_id
    assert len(await store.runs.for_conversation(run.conversation_id)) == 2


async def test_store_begin_in_a_missing_conversation_leaves_nothing(store: Store) -> None:
    run_id = new_id()
    with pytest.raises(NotFoundError):
        await store.runs.begin(run_id, "gone", "q", "offline", None)
    with pytest.raises(NotFoundError):
        await store.runs.get(run_id)
    assert await store.conversations.messages("gone") == []


async def test_store_delete_refuses_a_conversation_with_an_unfinished_run(store: Store) -> None:
    run = await store.runs.begin(new_id(), None, "q", "offline", None)
    with pytest.raises(ConflictError, match=run.id):
        await store.conversations.delete(run.conversation_id)
    await store.runs.close(run.id, [PendingEvent(1, "status", "{}")], RunEnding("failed"), epoch=1)
    await store.conversations.delete(run.conversation_id)
    with pytest.raises(NotFoundError):
        await store.conversations.get(run.conversation_id)


async def test_store_delete_removes_everything_of_a_conversation(store: Store) -> None:
    keep = await store.conversations.create("keep")
    gone = await store.conversations.create("gone")
    for conversation in (keep, gone):
        run_id = new_id()
        await store.runs.create(run_id, conversation.id, "q", "offline", None)
        ending = RunEnding("completed")
        await store.runs.close(run_id, [PendingEvent(1, "status", "{}")], ending, epoch=1)
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
