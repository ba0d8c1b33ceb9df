"""Two replicas on one PostgreSQL database behind a round-robin proxy behave as one desk: real
processes (`cryptodesk serve` with a paced engine), real sockets, real notifications."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect

from tests.cluster.followers import (
    frames_until_final,
    hopping_follower,
    start_run,
    stored_events,
    without_replay,
)
from tests.cluster.proxy import RoundRobinProxy
from tests.cluster.replicas import Replica, replica_env, start_replicas
from tests.runtime.client import chat, recv, recv_until
from tests.runtime.invariants import check_run

pytestmark = pytest.mark.timeout(300)


@dataclass
class Desk:
    replicas: list[Replica]
    proxy: RoundRobinProxy
    database: str


@pytest.fixture(scope="module")
def desk(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    workdir = tmp_path_factory.mktemp("replicas")
    replicas = start_replicas(2, workdir, replica_env(workdir, module_database))
    proxy = RoundRobinProxy([r.port for r in replicas])
    proxy.start()
    try:
        yield Desk(replicas, proxy, module_database)
    finally:
        proxy.stop()
        for replica in replicas:
            replica.stop()


async def test_replicas_followers_hopping_between_replicas_miss_and_repeat_nothing(
    desk: Desk,
) -> None:
    proxy = desk.proxy
    rng = random.Random(15)
    async with connect(proxy.ws) as owner_socket:
        await recv(owner_socket)
        first = await start_run(owner_socket, "Analyze BTC steps=50 pause=0.08")
        run_id = first["run_id"]
        followers = [
            hopping_follower(proxy.ws, run_id, random.Random(rng.random())) for _ in range(6)
        ]
        results = await asyncio.gather(frames_until_final(owner_socket, run_id), *followers)
    stored = stored_events(proxy.http, run_id)
    check_run(stored, expect="completed")
    owner_frames = [first, *results[0]]
    assert without_replay(owner_frames) == without_replay(stored)
    for frames, sockets in results[1:]:
        assert sockets >= 3  # it did hop
        assert [f["seq"] for f in frames] == list(range(1, len(stored) + 1))  # no loss, no repeat
        assert without_replay(frames) == without_replay(stored)
    # Round-robin: the followers' sockets went to both replicas.
    assert all(proxy.connections[r.port] >= 3 for r in desk.replicas)


async def test_replicas_follower_gets_no_live_frames_of_runs_that_had_ended(desk: Desk) -> None:
    # The other replica's feed reads a run that ended moments ago (it finds it in its safety
    # read); a socket that began to follow the conversation afterwards must not get it live.
    owner, other = desk.replicas
    async with connect(owner.ws) as on_owner:
        await recv(on_owner)
        earlier = await start_run(on_owner, "Price of BTC steps=1 pause=0")
        conversation_id = earlier["conversation_id"]
        await frames_until_final(on_owner, earlier["run_id"])
        async with connect(f"{other.ws}?conversation_id={conversation_id}") as on_other:
            hello = await recv(on_other)
            assert hello["active_run"] is None
            later = await start_run(
                on_owner, "Analyze BTC steps=40 pause=0.1", conversation_id=conversation_id
            )
            seen = await recv_until(on_other, lambda f: f.get("final") is True, 60)
    assert {f["run_id"] for f in seen if "seq" in f} == {later["run_id"]}
    assert [f["seq"] for f in seen] == list(range(1, len(seen) + 1))


async def test_replicas_cancel_through_the_replica_that_does_not_run_it(desk: Desk) -> None:
    owner, other = desk.replicas
    async with connect(owner.ws) as on_owner, connect(other.ws) as on_other:
        await recv(on_owner)
        await recv(on_other)
        first = await start_run(on_owner, "Analyze ETH steps=200 pause=0.1")
        run_id = first["run_id"]
        await recv_until(on_owner, lambda f: f.get("type") == "tool_call", 30)
        await on_other.send(
            '{"type": "cancel", "payload": {"run_id": "%s"}}' % run_id  # noqa: UP031
        )
        asked = time.monotonic()
        ended = await frames_until_final(on_owner, run_id, timeout=30)
        took = time.monotonic() - asked
    print(f"cancel through the other replica: terminal status after {took * 1000:.0f} ms")
    stored = stored_events(other.http, run_id)
    check_run(stored, expect="cancelled")
    assert ended[-1] == stored[-1]
    assert len(stored) < 200 * 5  # it stopped early


async def test_replicas_cancel_without_run_id_finds_the_conversations_run(desk: Desk) -> None:
    owner, other = desk.replicas
    async with connect(owner.ws) as on_owner:
        await recv(on_owner)
        first = await start_run(on_owner, "Analyze SOL steps=200 pause=0.1")
        run_id, conversation_id = first["run_id"], first["conversation_id"]
        async with connect(f"{other.ws}?conversation_id={conversation_id}") as on_other:
            hello = await recv(on_other)
            assert hello["active_run"]["run_id"] == run_id  # the other replica knows it
            await on_other.send('{"type": "cancel", "payload": {}}')
            seen_there = await frames_until_final(on_other, run_id, timeout=30)
        ended = await frames_until_final(on_owner, run_id, timeout=30)
    stored = stored_events(owner.http, run_id)
    check_run(stored, expect="cancelled")
    assert without_replay(seen_there) == without_replay(stored)
    assert ended[-1] == stored[-1]


async def test_replicas_one_active_run_per_conversation(desk: Desk) -> None:
    a, b = desk.replicas
    async with connect(a.ws) as on_a, connect(b.ws) as on_b:
        await recv(on_a)
        await recv(on_b)
        first = await start_run(on_a, "Analyze BTC steps=60 pause=0.05")
        run_id, conversation_id = first["run_id"], first["conversation_id"]
        await on_b.send(chat("and ETH?", conversation_id=conversation_id))
        refused = await recv_until(on_b, lambda f: f["type"] == "error", 30)
        assert (refused[-1]["code"], refused[-1]["recoverable"]) == ("run_active", True)
        assert run_id in refused[-1]["message"]
        stored = await frames_until_final(on_a, run_id)
    runs = httpx.get(f"{b.http}/api/v1/conversations/{conversation_id}").json()["runs"]
    assert [r["id"] for r in runs] == [run_id]
    assert stored[-1]["status"] == "completed"


async def test_replicas_chats_racing_on_two_replicas_start_one_run(desk: Desk) -> None:
    a, b = desk.replicas
    async with connect(a.ws) as on_a:
        await recv(on_a)
        first = await start_run(on_a, "Price of BTC steps=1 pause=0")
        conversation_id = first["conversation_id"]
        await frames_until_final(on_a, first["run_id"])
    for attempt in range(5):
        async with connect(a.ws) as on_a, connect(b.ws) as on_b:
            await recv(on_a)
            await recv(on_b)
            question = chat(f"again {attempt} steps=20 pause=0.05", conversation_id=conversation_id)
            await asyncio.gather(on_a.send(question), on_b.send(question))
            answers = await asyncio.gather(
                recv_until(on_a, lambda f: f["type"] == "error" or f.get("seq") == 1, 30),
                recv_until(on_b, lambda f: f["type"] == "error" or f.get("seq") == 1, 30),
            )
            outcomes = sorted(frames[-1]["type"] for frames in answers)
            assert outcomes == ["error", "status"], answers
            started = next(frames[-1] for frames in answers if frames[-1]["type"] == "status")
            socket = on_a if started in answers[0] else on_b
            await frames_until_final(socket, started["run_id"])
    runs = httpx.get(f"{a.http}/api/v1/conversations/{conversation_id}").json()["runs"]
    assert len(runs) == 6 and all(r["status"] == "completed" for r in runs)


async def test_replicas_listen_connection_cut_for_10_s_costs_no_frame(desk: Desk) -> None:
    owner, follower = desk.replicas
    dsn = make_url(desk.database).set(drivername="postgresql")
    admin = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    cuts = 0
    try:
        async with connect(owner.ws) as on_owner:
            await recv(on_owner)
            first = await start_run(on_owner, "Analyze ETH steps=130 pause=0.1")
            run_id = first["run_id"]
            async with connect(f"{follower.ws}?run_id={run_id}") as on_follower:
                await recv(on_follower)
                reading = asyncio.create_task(frames_until_final(on_follower, run_id, 90))
                cut_until = time.monotonic() + 10
                while time.monotonic() < cut_until:  # each reconnect is cut again at once
                    cuts += await admin.fetchval(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name LIKE $1",
                        f"cryptodesk-listener %-{follower.pid}-%",
                    )
                    await asyncio.sleep(0.05)
                seen = await reading
            await frames_until_final(on_owner, run_id)
    finally:
        await admin.close()
    stored = stored_events(owner.http, run_id)
    check_run(stored, expect="completed")
    assert cuts >= 2  # the listener was cut, and cut again after it reconnected
    assert [f["seq"] for f in seen] == list(range(1, len(stored) + 1))
    assert without_replay(seen) == without_replay(stored)
    assert "LISTEN connection" in follower.output


async def test_replicas_settings_changed_on_one_apply_to_the_next_run_on_the_other(
    desk: Desk,
) -> None:
    a, b = desk.replicas
    changed = httpx.put(f"{a.http}/api/v1/settings", json={"run_timeout_s": 1.0})
    assert changed.status_code == 200, changed.text
    try:
        async with connect(b.ws) as on_b:
            await recv(on_b)
            first = await start_run(on_b, "Analyze BTC steps=100 pause=0.1")
            frames = [first, *await frames_until_final(on_b, first["run_id"])]
        assert frames[-2]["code"] == "run_timeout"
        assert frames[-1]["status"] == "failed"
    finally:
        httpx.put(f"{a.http}/api/v1/settings", json={"run_timeout_s": None}).raise_for_status()


async def test_replicas_secret_stored_on_one_is_in_force_on_the_other(
    desk: Desk, tmp_path: Path
) -> None:
    # A secret in force is also scrubbed from every frame: the scripted report quotes the
    # question, so the other replica's answer shows whether it knows the new secret.
    a, b = desk.replicas
    secret = "cg-replica-secret-" + "7" * 12
    stored = httpx.put(
        f"{a.http}/api/v1/settings/secrets/coingecko_api_key", json={"value": secret}
    )
    assert stored.status_code == 200, stored.text
    try:
        async with connect(b.ws) as on_b:
            await recv(on_b)
            first = await start_run(on_b, f"What about {secret}? steps=1 pause=0")
            frames = [first, *await frames_until_final(on_b, first["run_id"])]
        result = next(f for f in frames if f["type"] == "result")
        assert secret not in result["content"]
        assert "***" in result["content"]
    finally:
        httpx.delete(f"{a.http}/api/v1/settings/secrets/coingecko_api_key").raise_for_status()
