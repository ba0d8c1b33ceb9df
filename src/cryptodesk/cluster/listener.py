"""One dedicated PostgreSQL connection per replica that LISTENs to the cluster's channels.

asyncpg directly, not a pooled session: LISTEN belongs to one server connection (a
transaction-pooling bouncer between the replica and PostgreSQL breaks it). Notifications are
only doorbells (a run's id and last seq, a run to cancel, a counter that moved); whatever they
announce is read from the tables, so a lost notification or a dropped connection costs
latency, never data: after every (re)connect `on_connected` runs, and the readers also poll.

The connection is watched: asyncpg reports a server that ended it, and a `SELECT 1` every
`PING_S` finds a network path that died silently. It is reopened with jittered exponential
backoff (tenacity, as the market's retries).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

log = logging.getLogger(__name__)

PING_S = 5.0
CONNECT_TIMEOUT_S = 10.0
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 10.0

_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)

Handler = Callable[[str], None]


def _log_retry(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    log.warning(
        "the cluster's LISTEN connection failed (%s); reconnecting in %.1f s",
        type(failure).__name__,
        wait,
    )


def asyncpg_dsn(database_url: str) -> str:
    """The libpq-style DSN of a SQLAlchemy `postgresql+asyncpg://` URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    def __init__(
        self,
        dsn: str,
        handlers: Mapping[str, Handler],
        *,
        name: str,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self._dsn = dsn
        self._handlers = dict(handlers)
        self._name = name
        """`application_name` of the connection (visible in pg_stat_activity)."""
        self._on_connected = on_connected
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.connects = 0
        """How many times the connection was opened (1 plus the reconnects)."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"listener-{self._name}")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            # A fresh policy per session: a connection that worked for a while backs off afresh.
            retrying = AsyncRetrying(
                retry=retry_if_exception_type(_CONNECTION_ERRORS),
                wait=wait_exponential_jitter(
                    multiplier=RETRY_FIRST_S, max=RETRY_MAX_S, jitter=RETRY_FIRST_S
                ),
                before_sleep=_log_retry,
            )
            await retrying(self._listen)  # returns when the server closed the connection
            await asyncio.sleep(RETRY_FIRST_S)

    async def _listen(self) -> None:
        conn: Any = await asyncpg.connect(
            self._dsn,
            timeout=CONNECT_TIMEOUT_S,
            server_settings={"application_name": self._name},
        )
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            for channel in self._handlers:
                await conn.add_listener(channel, self._deliver)
            self.connects += 1
            self.connected.set()
            if self.connects > 1:
                log.info("the cluster's LISTEN connection is back")
            if self._on_connected is not None:
                self._on_connected()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), PING_S)
                    break
                await asyncio.wait_for(conn.execute("SELECT 1"), PING_S)
            log.warning("the cluster's LISTEN connection was closed by the server")
        finally:
            self.connected.clear()
            conn.terminate()

    def _deliver(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        handler = self._handlers.get(channel)
        if handler is None:
            return
        try:
            handler(payload)
        except Exception:  # one bad notification must not end the connection
            log.exception("could not handle a notification on %s", channel)
