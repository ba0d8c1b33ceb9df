"""Runs owned by a lease, on real SQLite and PostgreSQL: a claim bumps the epoch and fences the
old owner off, renewals tell an owner what it lost and what to cancel, one unfinished run per
conversation, and a run's log that was taken over ends without an end of its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cryptodesk.cluster.replica import OWNER_LOST
from cryptodesk.domain.events import AgentStep
from cryptodesk.errors import LeaseLostError, NotFoundError, RunActiveError
from cryptodesk.realtime.hub import Hub, QueueListener
from cryptodesk.runs.eventlog import RunLog
from cryptodesk.runs.manager import RunManager
from cryptodesk.store.ids import new_id
from cryptodesk.store.records import Run
from cryptodesk.store.runs import PendingEvent, RunEnding
from cryptodesk.store.store import Store
from tests.runtime.invariants import check_run
from tests.runtime.scripted import ScriptedEngine

EXPIRED = -1.0  # a lease that ran out before it was taken


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'cryptodesk.db'}"
    else:
        url = request.getfixturevalue("module_database")
    opened = await Store.open(url)
    try:
        yield opened
    finally:
        await opened.close()


async def begin(store: Store, owner: str = "a", lease_s: float = 30.0) -> Run:
    return await store.runs.begin(
        new_id(), None, "q", "scripted", None, owner=owner, lease_s=lease_s
    )


def frames(*seqs: int) -> list[PendingEvent]:
    return [PendingEvent(seq, "progress", json.dumps({"seq": seq})) for seq in seqs]


async def test_run_lease_write_after_a_takeover_is_refused_and_changes_nothing(
    store: Store,
) -> None:
    run = await begin(store, "a", EXPIRED)
    await store.runs.append_events(run.id, frames(1, 2), epoch=1)
    [claim] = await store.run_leases.claim_expired("b", 30.0)
    assert (claim.run_id, claim.epoch) == (run.id, 2)
    with pytest.raises(LeaseLostError):
        await store.runs.append_events(run.id, frames(3), epoch=1)
    with pytest.raises(LeaseLostError):
        await store.runs.close(run.id, frames(3), RunEnding("completed"), epoch=1)
    with pytest.raises(LeaseLostError):
        await store.runs.mark_running(run.id, epoch=1)
    assert [e.seq for e in await store.runs.events_after(run.id, 0)] == [1, 2]
    await store.runs.close(run.id, frames(3), RunEnding("failed", "owner_lost"), epoch=2)
    ended = await store.runs.get(run.id)
    assert (ended.status, ended.error_code, ended.last_seq) == ("failed", "owner_lost", 3)


async def test_run_lease_claim_takes_only_expired_runs_of_other_owners(store: Store) -> None:
    live = await begin(store, "a", 30.0)
    expired = await begin(store, "a", EXPIRED)
    mine = await begin(store, "b", EXPIRED)
    claims = await store.run_leases.claim_expired("b", 30.0)
    assert [c.run_id for c in claims] == [expired.id]
    # b holds `expired` now, for 30 s; its own run that expired is anyone's to claim.
    assert [c.run_id for c in await store.run_leases.claim_expired("c", 30.0)] == [mine.id]
    everything = await store.run_leases.claim_expired("d", 30.0, every_unfinished=True)
    assert {c.run_id for c in everything} == {live.id, expired.id, mine.id}


async def test_run_lease_renewal_tells_what_was_taken_over_and_what_to_cancel(
    store: Store,
) -> None:
    kept, cancelled, lost = [await begin(store, "a", EXPIRED) for _ in range(3)]
    await store.run_leases.claim_expired("b", 30.0)  # takes all three (expired)
    # ... then the first two come back to "a" (as if "b" had started them): a new epoch each.
    for run in (kept, cancelled):
        await store.runs.close(run.id, [], RunEnding("failed"), epoch=2)
    kept = await begin(store, "a")
    cancelled = await begin(store, "a")
    assert await store.run_leases.request_cancel(cancelled.id) is True
    renewed = await store.run_leases.renew("a", 30.0)
    assert renewed == {kept.id: False, cancelled.id: True}
    assert lost.id not in renewed
    # A commit tells the owner about the cancel request too.
    assert await store.runs.append_events(cancelled.id, frames(1), epoch=1) is True
    assert await store.runs.append_events(kept.id, frames(1), epoch=1) is False


async def test_run_lease_cancel_request_of_a_finished_or_unknown_run(store: Store) -> None:
    run = await begin(store)
    await store.runs.close(run.id, frames(1), RunEnding("completed"), epoch=1)
    assert await store.run_leases.request_cancel(run.id) is False
    with pytest.raises(NotFoundError):
        await store.run_leases.request_cancel("no-such-run")


async def test_run_lease_one_unfinished_run_per_conversation(store: Store) -> None:
    first = await begin(store)
    with pytest.raises(RunActiveError) as refused:
        await store.runs.begin(new_id(), first.conversation_id, "again", "scripted", None)
    assert refused.value.run_id == first.id
    assert len(await store.runs.for_conversation(first.conversation_id)) == 1
    await store.runs.close(first.id, frames(1), RunEnding("completed"), epoch=1)
    second = await store.runs.begin(new_id(), first.conversation_id, "again", "scripted", None)
    assert second.conversation_id == first.conversation_id


async def test_run_lease_concurrent_begins_in_one_conversation_start_one(store: Store) -> None:
    first = await begin(store)
    await store.runs.close(first.id, frames(1), RunEnding("completed"), epoch=1)
    attempts = await asyncio.gather(
        *(
            store.runs.begin(new_id(), first.conversation_id, f"q{i}", "scripted", None)
            for i in range(6)
        ),
        return_exceptions=True,
    )
    started = [a for a in attempts if isinstance(a, Run)]
    refused = [a for a in attempts if isinstance(a, RunActiveError)]
    assert len(started) == 1 and len(refused) == 5, attempts
    assert all(r.run_id == started[0].id for r in refused)


class Owner:
    """The owner of the logs under test: records what they tell it."""

    def __init__(self) -> None:
        self.told: list[str] = []

    def storage_failed(self, log: RunLog) -> None:
        self.told.append("storage_failed")

    def lease_lost(self, log: RunLog) -> None:
        self.told.append("lease_lost")

    def cancel_requested(self, log: RunLog) -> None:
        self.told.append("cancel_requested")

    def ended(self, log: RunLog) -> None:
        self.told.append("ended")

    def settled(self, log: RunLog) -> None:
        self.told.append("settled")


async def test_run_log_taken_over_stops_and_writes_no_end_of_its_own(store: Store) -> None:
    run = await begin(store, "a", EXPIRED)
    hub, listener, owner = Hub(), QueueListener(), Owner()
    hub.subscribe(listener, run.conversation_id)
    log = RunLog(store.runs, hub, owner, run.id, run.conversation_id)
    await log.announce("initializing", "Initializing agent team...")
    await log.mark_running()
    await log.announce("processing", "Agent team ready, processing query...")
    async with asyncio.timeout(10):
        while log.stored_seq < log.last_seq:  # stored (and committed) before the takeover
            await asyncio.sleep(0.01)
    # Another replica's reaper claims the run and ends it through its own log.
    claims = await store.run_leases.claim_expired("b", 30.0)
    reaper = RunManager(
        store, Hub(), lambda _c: ScriptedEngine(), run_timeout_s=9, default_max_turns=1, owner="b"
    )
    assert await reaper.end_orphans(claims, OWNER_LOST) == 1
    await log.record(AgentStep("CryptoMarketAnalyst", "📊", "working", "late", "s1"))
    async with asyncio.timeout(10):
        while "lease_lost" not in owner.told:
            await asyncio.sleep(0.01)
    with pytest.raises(LeaseLostError):
        await log.record(AgentStep("CryptoMarketAnalyst", "📊", "working", "later", "s1"))
    assert await log.end("completed") == "failed"
    assert owner.told == ["lease_lost", "ended"]
    stored = [json.loads(e.frame) for e in await store.runs.events_after(run.id, 0)]
    check_run(stored, expect="failed")
    assert stored[-2]["code"] == "owner_lost"
    published = [listener.queue.get_nowait().seq for _ in range(listener.queue.qsize())]
    assert published == [1, 2]  # what it stored before the takeover; no end of its own
