"""Cluster-wide jobs: a named job runs in exactly one process of those sharing the database.

Schedulers (the alert watcher, the evaluation of calls, scheduled analyses, the delivery outbox)
must run once across replicas, not once per replica. `Singletons.start(name, job)` supervises a
job: the process that holds the lease named `name` (a row of `store.leases`) runs it, renews the
lease every `renew_s` and stops the job at once when a renewal fails (the lease was lost: a
pause longer than the lease, a database error). The others retry every `renew_s`, so a dead
holder's job resumes elsewhere within `ttl_s + renew_s`. With one process (SQLite) the job simply
runs here.

A job is a coroutine function that runs until cancelled and keeps its state in the database:
whoever takes over continues from there. It receives the lease epoch, which grows with every new
holder (a job may use it to fence its own writes). A job that returns or fails is started again
after `renew_s` while this process still holds the lease; its exception is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from cryptodesk.errors import StorageError
from cryptodesk.store.leases import LeaseRepo

log = logging.getLogger(__name__)

Job = Callable[[int], Awaitable[None]]

TTL_S = 15.0
RENEW_S = 5.0


class Singletons:
    def __init__(
        self,
        leases: LeaseRepo,
        holder: str | None = None,
        *,
        ttl_s: float = TTL_S,
        renew_s: float = RENEW_S,
    ) -> None:
        if renew_s >= ttl_s:
            raise ValueError("a lease must be renewed well before it expires")
        self._leases = leases
        self.holder = holder or uuid.uuid4().hex
        """This process, as the leases name it."""
        self._ttl_s = ttl_s
        self._renew_s = renew_s
        self._supervisors: dict[str, asyncio.Task[None]] = {}
        self._held: dict[str, int] = {}

    def start(self, name: str, job: Job) -> None:
        """Runs `job` whenever this process holds the lease `name` (until `aclose`)."""
        if name in self._supervisors:
            raise ValueError(f"a job named {name!r} is already started")
        self._supervisors[name] = asyncio.create_task(
            self._supervise(name, job), name=f"singleton-{name}"
        )

    def holds(self, name: str) -> bool:
        """Whether this process runs `name` now."""
        return name in self._held

    async def aclose(self) -> None:
        """Stops every job and gives its lease back, so another process takes over at once."""
        supervisors = tuple(self._supervisors.values())
        for task in supervisors:
            task.cancel()
        for task in supervisors:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._supervisors.clear()

    async def _supervise(self, name: str, job: Job) -> None:
        while True:
            epoch = await self._try_acquire(name)
            if epoch is None:
                await asyncio.sleep(self._renew_s)
                continue
            self._held[name] = epoch
            log.info("running %s here (lease epoch %d)", name, epoch)
            try:
                await self._hold(name, epoch, job)
            finally:
                del self._held[name]
                await self._release(name, epoch)

    async def _hold(self, name: str, epoch: int, job: Job) -> None:
        """Runs the job while renewals succeed; returns when the lease is lost."""
        running = asyncio.create_task(self._run(name, job, epoch), name=f"job-{name}")
        try:
            while True:
                await asyncio.sleep(self._renew_s)
                if not await self._try_renew(name, epoch):
                    log.warning("lost the lease of %s (epoch %d): stopping it here", name, epoch)
                    return
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running

    async def _run(self, name: str, job: Job, epoch: int) -> None:
        while True:
            try:
                await job(epoch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed; starting it again in %g s", name, self._renew_s)
            await asyncio.sleep(self._renew_s)

    async def _try_acquire(self, name: str) -> int | None:
        try:
            return await self._leases.acquire(name, self.holder, self._ttl_s)
        except StorageError as e:
            log.warning("could not take the lease of %s: %s", name, e.message)
            return None

    async def _try_renew(self, name: str, epoch: int) -> bool:
        try:
            return await self._leases.renew(name, self.holder, epoch, self._ttl_s)
        except StorageError as e:
            log.warning("could not renew the lease of %s: %s", name, e.message)
            return False

    async def _release(self, name: str, epoch: int) -> None:
        try:
            await asyncio.shield(self._leases.release(name, self.holder, epoch))
        except StorageError as e:  # it expires on its own
            log.warning("could not give back the lease of %s: %s", name, e.message)
