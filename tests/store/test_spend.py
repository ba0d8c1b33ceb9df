"""The LLM spending ledger: rows per run, summed per UTC day by the database (SQLite and
PostgreSQL), so every replica sees the same total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptodesk.domain.spend import utc_day
from cryptodesk.store.store import Store


async def test_spend_day_sums_the_runs_of_the_day(store: Store) -> None:
    empty = await store.spend.day()
    assert (empty.runs, empty.tokens, empty.cost_usd, empty.unpriced) == (0, 0, 0.0, 0)
    await store.spend.record("run-1", "magentic:openai/gpt-4o-mini", 1000, 200, 0.0012)
    await store.spend.record("run-2", "magentic:openai/gpt-4o-mini", 500, 100, 0.0006)
    await store.spend.record("run-3", "magentic:openai/mystery", 300, 30, None)
    day = await store.spend.day()
    assert day.day == utc_day()
    assert (day.runs, day.tokens, day.unpriced) == (3, 2130, 1)
    assert abs(day.cost_usd - 0.0018) < 1e-9


async def test_spend_day_of_another_day_is_apart(store: Store) -> None:
    await store.spend.record("run-1", "magentic:openai/gpt-4o-mini", 1000, 200, 0.5)
    yesterday = utc_day(datetime.now(UTC) - timedelta(days=1))
    before = await store.spend.day(yesterday)
    assert (before.runs, before.tokens, before.cost_usd) == (0, 0, 0.0)


async def test_spend_is_shared_by_two_stores_on_one_database(store: Store) -> None:
    """A second process (another replica) on the same database sees the first one's spend."""
    other = await Store.open(store.engine.url.render_as_string(hide_password=False))
    try:
        await store.spend.record("run-1", "magentic:openai/gpt-4o-mini", 700, 70, 0.25)
        await other.spend.record("run-2", "magentic:openai/gpt-4o-mini", 300, 30, 0.25)
        for seen in (await store.spend.day(), await other.spend.day()):
            assert (seen.runs, seen.tokens, seen.cost_usd) == (2, 1100, 0.5)
    finally:
        await other.close()
