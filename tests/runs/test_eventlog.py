"""`RunLog`, the one writer of a run's event log, on a real SQLite store that fills up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cryptodesk.domain.events import AgentStep, Report, RunError
from cryptodesk.errors import StorageError
from cryptodesk.realtime.hub import Hub, QueueListener
from cryptodesk.runs import eventlog
from cryptodesk.runs.eventlog import RunLog
from cryptodesk.store.ids import new_id
from cryptodesk.store.store import Store
from tests.runs.sqlite_limit import SizeLimit
from tests.runtime.invariants import check_run


class Recorder:
    """The owner of the logs under test: records what they tell it."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.ended_runs: list[str] = []
        self.settled_runs: asyncio.Queue[str] = asyncio.Queue()

    def storage_failed(self, log: RunLog) -> None:
        self.failed.append(log.run_id)

    def ended(self, log: RunLog) -> None:
        self.ended_runs.append(log.run_id)

    def settled(self, log: RunLog) -> None:
        self.settled_runs.put_nowait(log.run_id)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'cryptodesk.db'}")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eventlog, "RETRY_FIRST_S", 0.05)
    monkeypatch.setattr(eventlog, "RETRY_MAX_S", 0.2)


async def until(predicate: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def open_log(store: Store, hub: Hub, owner: Recorder) -> tuple[RunLog, QueueListener]:
    run = await store.runs.begin(new_id(), None, "q", "scripted", None)
    listener = QueueListener()
    hub.subscribe(listener, run.conversation_id)
    log = RunLog(store.runs, hub, owner, run.id, run.conversation_id)
    await log.announce("initializing", "Initializing agent team...")
    await log.mark_running()
    await log.announce("processing", "Agent team ready, processing query...")
    await until(lambda: log.settled)  # stored: the pool is idle when a test caps the file
    return log, listener


def published(listener: QueueListener) -> list[dict[str, Any]]:
    frames = []
    while not listener.queue.empty():
        frames.append(json.loads(listener.queue.get_nowait().text))
    return frames


async def stored(store: Store, run_id: str) -> list[dict[str, Any]]:
    return [json.loads(e.frame) for e in await store.runs.events_after(run_id, 0)]


def step(i: int, size: int = 0) -> AgentStep:
    return AgentStep("CryptoMarketAnalyst", "📊", "working", f"step {i}", f"s{i}", "x" * size)


async def test_run_log_numbers_stores_and_publishes_every_frame(store: Store) -> None:
    owner = Recorder()
    log, listener = await open_log(store, Hub(), owner)
    for i in range(1, 6):
        await log.record(step(i))
    await log.record(Report("# the report", ("CryptoMarketAnalyst",), (), "scripted"))
    assert await log.end("completed", answer="# the report") == "completed"
    frames = published(listener)
    check_run(frames, expect="completed")
    assert [f["seq"] for f in frames] == list(range(1, 10))
    assert await stored(store, log.run_id) == frames
    run = await store.runs.get(log.run_id)
    assert (run.status, run.last_seq) == ("completed", 9)
    messages = await store.conversations.messages(log.conversation_id)
    assert [m.content for m in messages] == ["q", "# the report"]
    assert owner.ended_runs == [log.run_id] and owner.failed == []
    assert log.settled and log.unstored_after(0) == []


async def test_run_log_full_disk_ends_the_run_failed_and_stores_it_later(store: Store) -> None:
    owner = Recorder()
    log, listener = await open_log(store, Hub(), owner)
    limit = SizeLimit(store.engine)
    await limit.apply()
    with pytest.raises(StorageError):
        for i in range(1, 200):  # commits fail once the next page is needed
            await log.record(step(i, 3000))
            await asyncio.sleep(0.005)
    assert owner.failed == [log.run_id]
    assert await log.end("cancelled", cancel_reason="its frames could not be stored") == "failed"

    frames = published(listener)
    check_run(frames, expect="failed")
    error = frames[-2]
    assert (error["type"], error["code"], error["recoverable"]) == (
        "error",
        "storage_failed",
        False,
    )
    assert "disk full" in error["message"]
    on_disk = await stored(store, log.run_id)
    assert len(on_disk) < len(frames)
    assert frames[: len(on_disk)] == on_disk
    kept = log.unstored_after(on_disk[-1]["seq"])
    assert [json.loads(e.frame) for e in kept] == frames[len(on_disk) :]
    assert (await store.runs.get(log.run_id)).status == "running"

    limit.lift()
    async with asyncio.timeout(10):
        assert await owner.settled_runs.get() == log.run_id
    assert await stored(store, log.run_id) == frames
    run = await store.runs.get(log.run_id)
    assert (run.status, run.error_code, run.last_seq) == ("failed", "storage_failed", len(frames))
    assert log.unstored_after(0) == []


async def test_run_log_a_failed_close_turns_completed_into_failed(store: Store) -> None:
    owner = Recorder()
    log, listener = await open_log(store, Hub(), owner)
    await log.record(step(1))
    await until(lambda: log.settled)
    published(listener)  # the frames before the end
    limit = SizeLimit(store.engine)
    await limit.apply()
    answer = "# a report long enough to need a new page " + "x" * 20_000
    assert await log.end("completed", answer=answer) == "failed"
    closing = published(listener)
    assert [(f["type"], f.get("code"), f.get("status")) for f in closing][-2:] == [
        ("error", "storage_failed", None),
        ("status", None, "failed"),
    ]
    assert [f for f in closing if f.get("final")] == [closing[-1]]
    limit.lift()
    async with asyncio.timeout(10):
        await owner.settled_runs.get()
    run = await store.runs.get(log.run_id)
    assert run.status == "failed"
    assert [m.role for m in await store.conversations.messages(log.conversation_id)] == ["user"]


async def test_run_log_recovery_frames_go_through_the_log(store: Store) -> None:
    owner = Recorder()
    log, _ = await open_log(store, Hub(), owner)  # a run a crash left behind: 2 frames, running
    await until(lambda: log.settled)
    revived = RunLog(store.runs, Hub(), owner, log.run_id, log.conversation_id, last_seq=2)
    error = RunError("server_restart", "The server restarted.", recoverable=False)
    assert await revived.end("failed", error=error) == "failed"
    frames = await stored(store, log.run_id)
    check_run(frames, expect="failed")
    assert frames[-2]["code"] == "server_restart"
