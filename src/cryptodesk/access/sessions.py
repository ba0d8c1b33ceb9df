"""Which login sessions may still be used: the current generation ("log out everywhere" moves it
on) and the sessions /logout revoked one by one.

Both live in the database, so a logout survives a restart and holds on every replica; each
process reads them at most once per `CACHE_S` (its own logouts take effect at once).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from cryptodesk.access.session import Session
from cryptodesk.store.sessions import SessionRepo

CACHE_S = 1.0
"""How long another replica's logout may take to reach this one."""


class SessionBook:
    def __init__(
        self,
        repo: SessionRepo,
        cache_s: float = CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repo
        self._cache_s = cache_s
        self._clock = clock
        self._cached: tuple[float, int, frozenset[str]] | None = None
        self._changes = 0
        """Counts this process's logouts: a read that overlapped one is not cached."""
        self._lock = asyncio.Lock()

    async def generation(self) -> int:
        """The generation a session issued now belongs to."""
        return (await self._state())[0]

    async def allows(self, session: Session) -> bool:
        generation, revoked = await self._state()
        return session.generation == generation and session.id not in revoked

    async def revoke(self, session: Session) -> None:
        await self._repo.revoke(session.id, session.expires_at)
        self._forget()

    async def revoke_all(self) -> int:
        """Logs every session out; returns the new generation."""
        generation = await self._repo.next_generation()
        self._forget()
        return generation

    def _forget(self) -> None:
        self._changes += 1
        self._cached = None

    async def _state(self) -> tuple[int, frozenset[str]]:
        cached = self._cached
        if cached is not None and self._clock() - cached[0] < self._cache_s:
            return cached[1], cached[2]
        async with self._lock:  # one read for the requests that arrive meanwhile
            cached = self._cached
            if cached is None or self._clock() - cached[0] >= self._cache_s:
                changes = self._changes
                generation, revoked = await self._repo.state()
                cached = (self._clock(), generation, revoked)
                if changes == self._changes:
                    self._cached = cached
        return cached[1], cached[2]
