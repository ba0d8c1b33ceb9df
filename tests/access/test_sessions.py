"""Session cookies: parsed with bounds (hostile cookies are 401/4401, never 500), revoked by
/logout, all revoked by "log out everywhere", across restarts and across replicas."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from cryptodesk.access.session import COOKIE, SESSION_TTL_S, issue, parse
from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.access.tokens import TOKEN, log_in
from tests.runtime.client import recv
from tests.runtime.server import LiveServer, running
from tests.store.databases import database_in

SECRET = SecretStr(TOKEN)
SIGNATURE = "0" * 64
HOSTILE_COOKIES = {
    "5000-digit expiry": f"v1.{'9' * 5000}.deadbeef",
    "5000-digit v2 expiry": f"v2.{'9' * 5000}.{'a' * 32}.1.{SIGNATURE}",
    "unicode digits": f"v2.\u00b2\u00b3.{'a' * 32}.1.{SIGNATURE}",
    "far-future expiry": f"v2.{'9' * 12}.{'a' * 32}.1.{SIGNATURE}",
    "huge generation": f"v2.{int(time.time()) + 60}.{'a' * 32}.{'9' * 5000}.{SIGNATURE}",
    "empty parts": "v2....",
}


def settings_page(server: LiveServer, cookie: str) -> int:
    # Latin-1 on the wire, as HTTP allows: a hostile cookie may hold any byte.
    header = f"{COOKIE}={cookie}".encode("latin-1")
    return httpx.get(f"{server.http}/api/v1/settings", headers={"Cookie": header}).status_code


async def websocket_close_code(server: LiveServer, cookie: str) -> int | None:
    async with connect(server.ws, additional_headers={"Cookie": f"{COOKIE}={cookie}"}) as ws:
        try:
            frame = await recv(ws)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    assert frame["status"] == "connected"
    return None


def test_session_parse_accepts_what_it_issued_and_nothing_else() -> None:
    now = 1_800_000_000.0
    cookie, session = issue(SECRET, generation=4, now=now)
    assert parse(cookie, SECRET, now=now + 10) == session
    assert session.generation == 4 and session.expires == int(now) + SESSION_TTL_S
    assert parse(cookie, SECRET, now=now + SESSION_TTL_S + 1) is None  # expired
    assert parse(cookie, SecretStr(TOKEN + "x"), now=now) is None  # another token
    tampered = cookie.replace(".4.", ".5.")
    assert parse(tampered, SECRET, now=now) is None
    for hostile in HOSTILE_COOKIES.values():
        assert parse(hostile, SECRET, now=now) is None


@pytest.mark.parametrize("kind", HOSTILE_COOKIES)
async def test_session_hostile_cookie_is_401_and_4401_never_500(
    guarded: LiveServer, kind: str
) -> None:
    cookie = HOSTILE_COOKIES[kind]
    assert settings_page(guarded, cookie) == 401
    assert await websocket_close_code(guarded, cookie) == 4401


async def test_session_logout_revokes_the_presented_session_only(guarded: LiveServer) -> None:
    first, second = log_in(guarded), log_in(guarded)
    assert settings_page(guarded, first) == settings_page(guarded, second) == 200
    out = httpx.post(f"{guarded.http}/logout", cookies={COOKIE: first})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert settings_page(guarded, first) == 401  # a copy of the cookie no longer works
    assert await websocket_close_code(guarded, first) == 4401
    assert settings_page(guarded, second) == 200
    assert await websocket_close_code(guarded, second) is None


def test_session_log_out_everywhere_needs_a_session_and_revokes_all(guarded: LiveServer) -> None:
    first, second = log_in(guarded), log_in(guarded)
    anonymous = httpx.post(f"{guarded.http}/logout?everywhere=1")
    assert anonymous.status_code == 401
    assert settings_page(guarded, first) == 200  # nobody was logged out by a stranger
    httpx.post(f"{guarded.http}/logout?everywhere=1", cookies={COOKIE: second})
    assert settings_page(guarded, first) == settings_page(guarded, second) == 401
    assert settings_page(guarded, log_in(guarded)) == 200  # a new login works


def test_session_logouts_survive_a_restart(guarded_settings: Settings) -> None:
    with running(create_app(guarded_settings)) as server:
        revoked, everywhere, kept = log_in(server), log_in(server), log_in(server)
        httpx.post(f"{server.http}/logout", cookies={COOKIE: revoked})
    with running(create_app(guarded_settings)) as server:
        assert settings_page(server, revoked) == 401
        assert settings_page(server, kept) == 200
        httpx.post(f"{server.http}/logout?everywhere=1", cookies={COOKIE: everywhere})
    with running(create_app(guarded_settings)) as server:
        assert settings_page(server, kept) == 401


@pytest.fixture
def replicas(
    guarded_settings: Settings, postgres_url: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers on one database, as two replicas behind a load balancer would be (on
    PostgreSQL: SQLite serves one process)."""
    with database_in(postgres_url, "sessions") as url:
        shared = guarded_settings.model_copy(update={"database_url": url})
        with running(create_app(shared)) as one, running(create_app(shared)) as two:
            yield one, two


def test_session_logout_reaches_another_replica(
    replicas: tuple[LiveServer, LiveServer],
) -> None:
    one, two = replicas
    cookie = log_in(one)
    assert settings_page(two, cookie) == 200
    httpx.post(f"{one.http}/logout", cookies={COOKIE: cookie})
    assert settings_page(one, cookie) == 401
    # The other replica reads the revocation from the database within its cache time (1 s);
    # the deadline is only there so a broken build fails instead of hanging.
    deadline = time.monotonic() + 30
    while settings_page(two, cookie) != 401:
        assert time.monotonic() < deadline, "the other replica never saw the logout"
        time.sleep(0.2)
