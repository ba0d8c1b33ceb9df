"""A replica that dies (kill -9) or stalls (SIGSTOP past its lease) while it runs a run or a
cluster-wide job: the others end its runs (`owner_lost`), take its job over, and a stalled owner
that wakes up cannot write another frame (fencing). Each test has its own database and
replicas, with run leases of `LEASE_S` renewed every `RENEW_S`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.cluster.followers import frames_until_final, start_run, stored_events, without_replay
from tests.cluster.replicas import LEASE_S, RENEW_S, Replica, replica_env, start_replicas
from tests.runtime.client import Frame, recv, recv_until
from tests.runtime.invariants import check_run

pytestmark = pytest.mark.timeout(300)

JOB_TTL_S = 3.0


@pytest.fixture
def pair(fresh_database: str, tmp_path: Path) -> Iterator[list[Replica]]:
    replicas = start_replicas(2, tmp_path, replica_env(tmp_path, fresh_database))
    try:
        yield replicas
    finally:
        for replica in replicas:
            replica.stop()


def check_owner_lost(frames: list[Frame]) -> None:
    check_run(frames, expect="failed")
    error = frames[-2]
    assert (error["type"], error["code"], error["recoverable"]) == ("error", "owner_lost", False)
    assert "stopped answering" in error["message"]


async def test_replica_killed_its_run_ends_owner_lost_for_subscribers_elsewhere(
    pair: list[Replica],
) -> None:
    owner, survivor = pair
    async with connect(owner.ws) as on_owner:
        await recv(on_owner)
        first = await start_run(on_owner, "Analyze BTC steps=400 pause=0.1")
        run_id, conversation_id = first["run_id"], first["conversation_id"]
        async with connect(f"{survivor.ws}?conversation_id={conversation_id}") as on_survivor:
            hello = await recv(on_survivor)
            assert hello["active_run"]["run_id"] == run_id
            seen = await recv_until(on_survivor, lambda f: f.get("seq", 0) >= 20, 30)
            owner.kill()
            killed = time.monotonic()
            seen += await frames_until_final(on_survivor, run_id, timeout=60)
            took = time.monotonic() - killed
    # Bounded by the lease, one renewal period (the reaper's pace) and a commit.
    print(
        f"kill -9 -> owner_lost on the other replica: {took:.1f} s "
        f"(lease {LEASE_S:g} s, renewals every {RENEW_S:g} s)"
    )
    seen = [f for f in seen if f.get("run_id") == run_id]
    stored = stored_events(survivor.http, run_id)
    check_owner_lost(stored)
    assert without_replay(seen) == without_replay(stored)
    run = httpx.get(f"{survivor.http}/api/v1/runs/{run_id}").json()
    assert (run["status"], run["error_code"]) == ("failed", "owner_lost")


async def test_replica_paused_past_its_lease_cannot_write_when_it_wakes(
    pair: list[Replica],
) -> None:
    owner, other = pair
    async with connect(owner.ws) as on_owner:
        await recv(on_owner)
        first = await start_run(on_owner, "Analyze ETH steps=400 pause=0.05")
        run_id, conversation_id = first["run_id"], first["conversation_id"]
        async with connect(f"{other.ws}?conversation_id={conversation_id}") as following:
            await recv(following)
            await recv_until(following, lambda f: f.get("seq", 0) >= 10, 30)
            owner.pause()  # SIGSTOP: no renewals, no writes, sockets stall
            try:
                ended_elsewhere = await frames_until_final(following, run_id, timeout=60)
            finally:
                owner.resume()
        stored_at_takeover = stored_events(other.http, run_id)
        check_owner_lost(stored_at_takeover)
        assert ended_elsewhere[-1] == stored_at_takeover[-1]
        # The owner wakes up with its run still going: its next write is refused, it stops the
        # run without an end of its own, and its subscriber reads the takeover's end.
        on_owner_frames = [first, *await frames_until_final(on_owner, run_id, timeout=60)]
    await asyncio.sleep(RENEW_S * 3)  # every loop of the woken owner has run again
    stored = stored_events(other.http, run_id)
    assert stored == stored_at_takeover  # not one frame more
    assert without_replay(on_owner_frames) == without_replay(stored)
    assert "was taken over" in owner.output


def _beats(path: Path) -> list[tuple[int, int, float]]:
    if not path.exists():
        return []
    beats = []
    for line in path.read_text().splitlines():
        pid, epoch, at = line.split()
        beats.append((int(pid), int(epoch), float(at)))
    return beats


async def _until(condition, timeout_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.05)


async def test_replica_singleton_job_runs_on_one_and_moves_when_its_holder_is_killed(
    fresh_database: str, tmp_path: Path
) -> None:
    job_file = tmp_path / "beats.txt"
    env = replica_env(
        tmp_path,
        fresh_database,
        REPLICA_JOB_FILE=str(job_file),
        REPLICA_JOB_TTL_S=str(JOB_TTL_S),
    )
    holder = start_replicas(1, tmp_path, env)[0]
    standby: Replica | None = None
    try:
        await _until(lambda: any(pid == holder.pid for pid, _, _ in _beats(job_file)))
        standby = start_replicas(1, tmp_path, env)[0]
        await asyncio.sleep(JOB_TTL_S * 2)  # the standby tried to take it several times
        assert {pid for pid, _, _ in _beats(job_file)} == {holder.pid}
        holder.kill()
        killed = time.time()
        await _until(lambda: any(pid == standby.pid for pid, _, _ in _beats(job_file)))
        beats = _beats(job_file)
        took = next(at for pid, _, at in beats if pid == standby.pid) - killed
        print(
            f"kill -9 of the job's holder -> running on the other replica after {took:.1f} s "
            f"(lease {JOB_TTL_S:g} s, renewals every {JOB_TTL_S / 3:g} s)"
        )
        epochs = {pid: epoch for pid, epoch, _ in beats}
        assert epochs[standby.pid] > epochs[holder.pid]
        # Never both: every beat of the new holder comes after the old holder's last one.
        last_old = max(at for pid, _, at in beats if pid == holder.pid)
        assert min(at for pid, _, at in beats if pid == standby.pid) > last_old
    finally:
        for replica in (holder, standby):
            if replica is not None:
                replica.stop()
