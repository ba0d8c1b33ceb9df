"""The live feed of one process: pushes the watchlist's prices and new or changed notifications
to this process's sockets as connection-level frames.

It reads the database, not the watcher's memory, so every replica feeds its own sockets whoever
runs the watcher; the watcher and the API wake it for a prompt push, and it also looks every
second for what another replica wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptodesk.errors import CryptoDeskError
from cryptodesk.market.service import MarketDataService
from cryptodesk.realtime.hub import Hub
from cryptodesk.realtime.protocol import NotificationFrame, WatchlistFrame, dump_frame
from cryptodesk.store.store import Store
from cryptodesk.watch.views import notifications, watch_items

log = logging.getLogger(__name__)

FEED_S = 1.0
OVERLAP = timedelta(seconds=5)
"""Changes are read again this far back: a transaction that committed late is not missed."""


class Feed:
    def __init__(self, store: Store, hub: Hub, market: Callable[[], MarketDataService]) -> None:
        self._store = store
        self._hub = hub
        self._market = market
        self.wake = asyncio.Event()
        self._cursor = datetime.now(UTC)
        self._seen: dict[tuple[str, datetime], datetime] = {}
        # Pages read the list over REST when they connect; frames carry changes only, so a desk
        # with nothing on its watchlist sends none (clients that predate them see no new frame).
        self._watchlist = WatchlistFrame(items=[]).model_dump_json(exclude={"timestamp"})

    async def run(self) -> None:
        while True:
            self.wake.clear()
            if self._hub.connection_count:
                try:
                    await self.push()
                except CryptoDeskError as exc:
                    log.warning("live feed: %s", exc.message)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), FEED_S)

    async def push(self) -> None:
        await self._push_notifications()
        items = await watch_items(self._store, self._market())
        frame = WatchlistFrame(items=items)
        body = frame.model_dump_json(exclude={"timestamp"})
        if body != self._watchlist:
            self._watchlist = body
            self._hub.broadcast(dump_frame(frame))

    async def _push_notifications(self) -> None:
        changed = await self._store.firings.changed_since(self._cursor - OVERLAP)
        fresh = [f for f in changed if (f.id, f.updated_at) not in self._seen]
        if not fresh:
            return
        now = datetime.now(UTC)
        for firing in fresh:
            self._seen[(firing.id, firing.updated_at)] = now
            self._cursor = max(self._cursor, firing.updated_at)
        self._seen = {k: t for k, t in self._seen.items() if now - t < 4 * OVERLAP}
        _, _, unread = await self._store.firings.page(1)
        for view in await notifications(self._store, fresh):
            self._hub.broadcast(dump_frame(NotificationFrame(notification=view, unread=unread)))
