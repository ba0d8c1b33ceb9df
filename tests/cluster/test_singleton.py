"""Cluster-wide jobs: exactly one of several processes on one database runs each job, and a
holder that stops (or loses its lease) hands the job over. Two `Singletons` with their own
connections stand for two replicas; the store is real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cryptodesk.cluster.singleton import Singletons
from cryptodesk.store.store import Store

TTL_S = 0.6
RENEW_S = 0.15


@pytest.fixture(params=["sqlite", "postgresql"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'cryptodesk.db'}"
        return
    pg = request.getfixturevalue("postgres_url")
    yield pg
    store = await Store.open(pg)
    from cryptodesk.store.models import Base

    async with store.engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    await store.close()


class Recorder:
    """A job that notes which replica runs it, with which epoch, until it is cancelled."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.epochs: list[tuple[str, int]] = []
        self.overlaps = 0

    def job(self, who: str):  # type: ignore[no-untyped-def]
        async def run(epoch: int) -> None:
            if self.running:
                self.overlaps += 1
            self.running.add(who)
            self.epochs.append((who, epoch))
            try:
                await asyncio.Event().wait()
            finally:
                self.running.discard(who)

        return run


async def until(condition, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


async def test_singleton_runs_on_one_replica_and_moves_when_it_stops(url: str) -> None:
    a_store, b_store = await Store.open(url), await Store.open(url)
    a = Singletons(a_store.leases, "replica-a", ttl_s=TTL_S, renew_s=RENEW_S)
    b = Singletons(b_store.leases, "replica-b", ttl_s=TTL_S, renew_s=RENEW_S)
    recorder = Recorder()
    try:
        a.start("watcher", recorder.job("a"))
        await until(lambda: recorder.running == {"a"})
        b.start("watcher", recorder.job("b"))
        await asyncio.sleep(TTL_S * 3)  # b retried several times meanwhile
        assert recorder.running == {"a"} and not b.holds("watcher")
        await a.aclose()  # gives the lease back: b takes over without waiting for expiry
        await until(lambda: recorder.running == {"b"})
        assert b.holds("watcher")
        assert [who for who, _ in recorder.epochs] == ["a", "b"]
        assert recorder.epochs[1][1] > recorder.epochs[0][1]  # a new holder, a new epoch
        assert recorder.overlaps == 0
    finally:
        await a.aclose()
        await b.aclose()
        await a_store.close()
        await b_store.close()


async def test_singleton_holder_that_stalls_loses_the_job(url: str) -> None:
    """A holder that cannot renew in time (a paused process) stops its job as soon as it
    notices; the other replica has taken over after the lease expired, with a new epoch."""
    a_store, b_store = await Store.open(url), await Store.open(url)
    a = Singletons(a_store.leases, "replica-a", ttl_s=TTL_S, renew_s=RENEW_S)
    b = Singletons(b_store.leases, "replica-b", ttl_s=TTL_S, renew_s=RENEW_S)
    recorder = Recorder()
    try:
        a.start("outbox", recorder.job("a"))
        await until(lambda: recorder.running == {"a"})
        # a's renewals now fail as if it were paused: its lease runs out.
        renew = a_store.leases.renew

        async def stalled(*_args: object) -> bool:
            await asyncio.sleep(TTL_S * 2)
            return await renew(*_args)  # type: ignore[arg-type]

        a_store.leases.renew = stalled  # type: ignore[method-assign]
        b.start("outbox", recorder.job("b"))
        await until(lambda: ("b", 2) in recorder.epochs)
        await until(lambda: recorder.running == {"b"})  # a stopped its job when it noticed
        holder = await b_store.leases.holder("outbox")
        assert holder == ("replica-b", 2)
        assert not await a_store.leases.renew("outbox", "replica-a", 1, TTL_S)  # fenced
    finally:
        await a.aclose()
        await b.aclose()
        await a_store.close()
        await b_store.close()


async def test_singleton_job_that_fails_is_started_again(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    singletons = Singletons(store.leases, ttl_s=TTL_S, renew_s=RENEW_S)
    attempts: list[int] = []

    async def flaky(epoch: int) -> None:
        attempts.append(epoch)
        raise RuntimeError("boom")

    try:
        singletons.start("flaky", flaky)
        await until(lambda: len(attempts) >= 3)
        assert set(attempts) == {1}  # same holder, same lease
        with pytest.raises(ValueError, match="already started"):
            singletons.start("flaky", flaky)
    finally:
        await singletons.aclose()
        await store.close()
