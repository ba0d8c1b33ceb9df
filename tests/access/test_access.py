"""Access control: a token for every REST call and WebSocket when one is set (required off
loopback), the login form's cookie, the Origin allow-list, the login rate limit."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cryptodesk.access.session import COOKIE
from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.errors import ConfigError
from tests.access.tokens import TOKEN, bearer
from tests.runtime.client import recv
from tests.runtime.server import LiveServer

PROTECTED = (
    "/api/v1/settings",
    "/api/v1/conversations",
    "/api/v1/health/ready",
    "/ws/status",
    "/openapi.json",
    "/docs",
    "/",
)


def test_access_without_a_token_is_401(guarded: LiveServer) -> None:
    for path in PROTECTED:
        response = httpx.get(guarded.http + path, headers={"Accept": "application/json"})
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
    assert httpx.put(f"{guarded.http}/api/v1/settings", json={"max_turns": 3}).status_code == 401
    assert httpx.get(f"{guarded.http}/api/v1/health").status_code == 200  # liveness only


def test_access_a_browser_page_load_goes_to_the_login_form(guarded: LiveServer) -> None:
    page = httpx.get(guarded.http + "/", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login"
    form = httpx.get(f"{guarded.http}/login")
    assert form.status_code == 200 and 'type="password"' in form.text
    assert 'method="post"' in form.text and TOKEN not in form.text


def test_access_wrong_token_is_401_and_the_right_one_passes(guarded: LiveServer) -> None:
    for path in PROTECTED[:-2]:
        assert httpx.get(guarded.http + path, headers=bearer()).status_code in (200, 503), path
    for path in PROTECTED[:2]:  # under the limit of 3 failed attempts (see the limiter tests)
        assert httpx.get(guarded.http + path, headers=bearer("wrong-token")).status_code == 401
    # The token is never accepted from the URL.
    assert httpx.get(f"{guarded.http}/api/v1/settings?token={TOKEN}").status_code == 401


def test_access_login_form_sets_an_httponly_strict_session_cookie(guarded: LiveServer) -> None:
    with httpx.Client(base_url=guarded.http) as client:
        login = client.post("/login", data={"token": TOKEN})
        assert login.status_code == 303 and login.headers["location"] == "/"
        cookie = login.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=") and TOKEN not in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert client.get("/api/v1/settings").status_code == 200
        client.post("/logout")
        assert client.get("/api/v1/settings").status_code == 401
    forged = httpx.get(
        f"{guarded.http}/api/v1/settings", cookies={COOKIE: "v1.99999999999.deadbeef"}
    )
    assert forged.status_code == 401


def test_access_failed_logins_are_rate_limited(guarded: LiveServer) -> None:
    with httpx.Client(base_url=guarded.http) as client:
        for _ in range(3):
            assert client.post("/login", data={"token": "guess"}).status_code == 401
        limited = client.post("/login", data={"token": TOKEN})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert COOKIE not in limited.headers.get("set-cookie", "")


async def test_access_websocket_without_a_token_closes_4401(guarded: LiveServer) -> None:
    async with connect(guarded.ws) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await recv(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    async with connect(guarded.ws, additional_headers=bearer("wrong-token")) as ws:
        with pytest.raises(ConnectionClosed):
            await recv(ws)


async def test_access_websocket_with_the_token_or_the_cookie(guarded: LiveServer) -> None:
    async with connect(guarded.ws, additional_headers=bearer()) as ws:
        assert (await recv(ws))["status"] == "connected"
    login = httpx.post(f"{guarded.http}/login", data={"token": TOKEN})
    session = login.cookies[COOKIE]
    cookie = {"Cookie": f"{COOKIE}={session}"}
    async with connect(guarded.ws, additional_headers=cookie) as ws:
        assert (await recv(ws))["status"] == "connected"


async def test_access_cross_origin_websocket_is_refused_even_with_the_token(
    guarded: LiveServer,
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            guarded.ws,
            origin="http://evil.example",  # type: ignore[arg-type]
            additional_headers=bearer(),
        ):
            pass
    assert refused.value.response.status_code == 403
    write = httpx.put(
        f"{guarded.http}/api/v1/settings",
        json={"max_turns": 3},
        headers={**bearer(), "Origin": "http://evil.example"},
    )
    assert write.status_code == 403


def test_access_loopback_without_a_token_answers_only_loopback_names(
    offline_server: LiveServer,
) -> None:
    assert httpx.get(f"{offline_server.http}/api/v1/settings").status_code == 200
    rebound = httpx.get(f"{offline_server.http}/api/v1/settings", headers={"Host": "evil.example"})
    assert rebound.status_code == 421  # DNS rebinding: a foreign name resolving to 127.0.0.1


def test_access_public_address_needs_a_token(replay_settings: Settings) -> None:
    with pytest.raises(ValidationError, match="CRYPTODESK_ACCESS_TOKEN"):
        Settings(host="0.0.0.0", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(host="0.0.0.0", access_token="short", _env_file=None)  # type: ignore[call-arg]
    exposed = replay_settings.model_copy(update={"host": "0.0.0.0"})
    with pytest.raises(ConfigError, match=r"refusing to serve on 0\.0\.0\.0"):
        create_app(exposed)
    assert create_app(exposed.model_copy(update={"access_token": SecretStr(TOKEN)})) is not None
    for loopback in ("127.0.0.1", "localhost", "::1"):
        assert Settings(host=loopback, _env_file=None).host == loopback  # type: ignore[call-arg]
