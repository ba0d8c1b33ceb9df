"""This process as one replica of the desk: two implementations of one interface.

- `LocalReplica` (SQLite): the only process on its database (`store.servinglock` refuses a
  second one). Runs left unfinished by an earlier process are ended at start (`server_restart`),
  and frames reach subscribers in this process only, as they always did.
- `SharedReplica` (PostgreSQL): one of several processes on one database. It renews the leases
  of the runs it owns and, every `renew_s`, claims runs whose lease ran out and ends them
  (`owner_lost`); a LISTEN connection (`cluster.listener`) brings the doorbell of other
  replicas' commits to `cluster.feed.RemoteRuns`, cancel requests for the runs it owns, and
  changes of settings made elsewhere.

Both renew the leases of their runs: a renewal is also where an owner learns that a run was
taken over, or that someone asked to cancel it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from cryptodesk.cluster.feed import RemoteRuns
from cryptodesk.cluster.listener import Listener, asyncpg_dsn
from cryptodesk.domain.events import RunError
from cryptodesk.errors import StorageError
from cryptodesk.realtime.hub import Hub
from cryptodesk.runs.manager import RunManager
from cryptodesk.store.counters import COUNTER_CHANNEL
from cryptodesk.store.runleases import CANCEL_CHANNEL, CLAIM_BATCH
from cryptodesk.store.runs import RUN_CHANNEL
from cryptodesk.store.servinglock import ServingLock
from cryptodesk.store.store import Store

log = logging.getLogger(__name__)

OWNER_LOST = RunError(
    "owner_lost",
    "The server running this analysis stopped answering, so the run was ended.",
    "Ask again to start a new run.",
    recoverable=False,
)
SERVER_RESTART = RunError(
    "server_restart",
    "The server restarted while this run was in progress.",
    "Ask again to start a new run.",
    recoverable=False,
)


def replica_id() -> str:
    """This process, as the runs it owns name it: readable in the database, never reused."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{uuid.uuid4().hex[:12]}"


class Replica(Protocol):
    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


class _Renewals:
    """Every `renew_s`: this process's run leases renewed, then `also()` (the reaper)."""

    def __init__(self, runs: RunManager, renew_s: float) -> None:
        self._runs = runs
        self._renew_s = renew_s
        self._task: asyncio.Task[None] | None = None

    def start(self, also: Callable[[], Awaitable[None]] | None = None) -> None:
        self._task = asyncio.create_task(self._loop(also), name="run-leases")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self, also: Callable[[], Awaitable[None]] | None) -> None:
        while True:
            await asyncio.sleep(self._renew_s)
            try:
                await self._runs.renew_leases()
            except StorageError as exc:  # they expire unless a later renewal works
                log.warning("could not renew the leases of this server's runs: %s", exc.message)
            if also is not None:
                await also()


class LocalReplica:
    def __init__(self, store: Store, runs: RunManager, renew_s: float, lock: ServingLock | None):
        self._store = store
        self._runs = runs
        self._lock = lock
        self._renewals = _Renewals(runs, renew_s)

    async def start(self) -> None:
        if self._lock is not None:
            self._lock.acquire()  # DatabaseInUseError: another process serves this file
        claims = await self._store.run_leases.claim_expired(
            self._runs.owner, self._runs.lease_s, every_unfinished=True
        )
        await self._runs.end_orphans(claims, SERVER_RESTART)
        self._renewals.start()

    async def aclose(self) -> None:
        await self._renewals.aclose()
        if self._lock is not None:
            self._lock.release()


class SharedReplica:
    def __init__(
        self,
        store: Store,
        hub: Hub,
        runs: RunManager,
        renew_s: float,
        *,
        database_url: str,
        counter_moved: Callable[[str], None],
    ) -> None:
        self._store = store
        self._runs = runs
        self.remote = RemoteRuns(store, hub, runs)
        runs.released = self.remote.released
        self.listener = Listener(
            asyncpg_dsn(database_url),
            {
                RUN_CHANNEL: self.remote.rang,
                CANCEL_CHANNEL: self._cancel_requested,
                COUNTER_CHANNEL: lambda payload: counter_moved(payload.partition(":")[0]),
            },
            name=f"cryptodesk-listener {runs.owner}"[:63],
            on_connected=self.remote.check_soon,
        )
        self._renewals = _Renewals(runs, renew_s)
        self._cancels: set[asyncio.Task[bool]] = set()

    async def start(self) -> None:
        self.remote.start()
        self.listener.start()
        await self.reap()
        self._renewals.start(self.reap)

    async def aclose(self) -> None:
        await self._renewals.aclose()
        await self.listener.aclose()
        await self.remote.aclose()

    async def reap(self) -> None:
        """Ends the runs whose owner stopped renewing their leases (a crash, a pause, a lost
        network): claimed with a new epoch, then `failed` with `owner_lost`."""
        while True:
            try:
                claims = await self._store.run_leases.claim_expired(
                    self._runs.owner, self._runs.lease_s
                )
                await self._runs.end_orphans(claims, OWNER_LOST)
            except StorageError as exc:
                log.warning("could not look for runs whose server stopped: %s", exc.message)
                return
            if len(claims) < CLAIM_BATCH:
                return

    def _cancel_requested(self, run_id: str) -> None:
        if not self._runs.owns(run_id):
            return  # another replica's (its owner acts), or over already
        task = asyncio.create_task(self._runs.cancel(run_id), name=f"cancel-{run_id}")
        self._cancels.add(task)
        task.add_done_callback(self._cancels.discard)
