"""The outbox sender: a cluster-wide job (one process sends) that delivers pending rows.

Each row is claimed (pending -> sending, with this holder's lease epoch) before it is sent and
settled after: `sent`, back to `pending` with an exponential backoff, or `failed` with the reason
after the last attempt. When the job starts it first takes back the rows an earlier holder left
in `sending` (a crash, a kill -9, a lost lease): those are sent again. So every delivery
happens at least once, never twice because of a restart before the send, and a receiver sees a
second copy only when the crash fell between its answer and our commit; the idempotency key
`<firing id>:<target id>` (a header and a payload field for webhooks) lets it drop that copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptodesk.config import Settings
from cryptodesk.errors import CryptoDeskError, NotFoundError, StorageError
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import Delivery
from cryptodesk.watch import delivery
from cryptodesk.watch.targets import TargetBook

log = logging.getLogger(__name__)

POLL_S = 1.0
"""How often the outbox looks for due rows when nothing woke it (rows another replica added)."""
BATCH = 20
PARALLEL = 4
MAX_BACKOFF_S = 600.0


def backoff_s(attempts: int, base_s: float, jitter: Callable[[], float] = random.random) -> float:
    """Wait before attempt `attempts + 1`: base, 2 x base, 4 x base, ... (at most 10 minutes),
    with up to 20 % jitter so a crowd of retries spreads out."""
    wait: float = min(base_s * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF_S)
    return wait * (1 + 0.2 * jitter())


class OutboxSender:
    def __init__(self, store: Store, targets: TargetBook, settings: Callable[[], Settings]) -> None:
        self._store = store
        self._targets = targets
        self._settings = settings
        self.wake = asyncio.Event()
        self._slots = asyncio.Semaphore(PARALLEL)
        self.sent = 0

    async def run(self, epoch: int) -> None:
        """The job: runs until cancelled (`Singletons` restarts it after a failure)."""
        taken = await self._store.outbox.reclaim(epoch)
        if taken:
            log.warning(
                "outbox: %d delivery(ies) left sending by an earlier holder, sent again", taken
            )
        while True:
            self.wake.clear()
            try:
                due = await self._store.outbox.due(datetime.now(UTC), BATCH)
            except StorageError as exc:
                log.warning("outbox: cannot read the outbox: %s", exc.message)
                due = []
            if due:
                await asyncio.gather(*(self._deliver(row, epoch) for row in due))
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), POLL_S)

    async def _deliver(self, row: Delivery, epoch: int) -> None:
        async with self._slots:
            claimed = await self._store.outbox.claim(row.id, epoch)
            if claimed is None:
                return  # another sender (or an earlier pass) has it
            settings = self._settings()
            try:
                firing = await self._store.firings.get(claimed.firing_id)
                url = await self._targets.url(claimed.target_id)
            except NotFoundError:
                await self._store.outbox.finish(claimed.id, epoch, error="its notification is gone")
                return
            except CryptoDeskError as exc:  # the vault or the database: try again later
                await self._retry(claimed, epoch, exc.message, settings)
                return
            if url is None:
                error = "the notification target was deleted"
                await self._store.outbox.finish(claimed.id, epoch, error=error)
                return
            outcome = await delivery.send(
                url.get_secret_value(),
                firing.title,
                firing.message,
                idempotency_key=claimed.idempotency_key,
                timeout_s=settings.notify_timeout_s,
            )
            if outcome.ok:
                if await self._store.outbox.finish(claimed.id, epoch):
                    self.sent += 1
                log.info("delivered %s (attempt %d)", claimed.idempotency_key, claimed.attempts)
                return
            log.warning(
                "delivery %s attempt %d failed: %s",
                claimed.idempotency_key,
                claimed.attempts,
                outcome.error,
            )
            await self._retry(claimed, epoch, outcome.error or "not delivered", settings)

    async def _retry(self, row: Delivery, epoch: int, error: str, settings: Settings) -> None:
        if row.attempts >= settings.notify_max_attempts:
            attempts = "1 attempt" if row.attempts == 1 else f"{row.attempts} attempts"
            reason = f"{error} (gave up after {attempts})"
            await self._store.outbox.finish(row.id, epoch, error=reason)
            return
        wait = backoff_s(row.attempts, settings.notify_retry_base_s)
        await self._store.outbox.retry(
            row.id, epoch, error, datetime.now(UTC) + timedelta(seconds=wait)
        )
