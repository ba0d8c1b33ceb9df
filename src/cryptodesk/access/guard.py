"""The ASGI middleware in front of everything: the access token when one is set, and on
loopback without one, requests only for a loopback host name (no DNS rebinding).

Browsers' cross-origin WebSockets are refused before anything else (HTTP 403), as are
cross-origin writes. Without a valid token: REST gets 401 (a browser page load is sent to
/login), a WebSocket is accepted and closed with 4401 so the page can tell why. A wrong Bearer
token counts against the same per-address limit as /login (`AttemptLimiter`) and is logged
(without the value); over the limit the answer is 429 with Retry-After, and no comparison is
made. A session cookie must be signed, unexpired, of the current generation and not logged out
(`SessionBook`).
"""

from __future__ import annotations

import json
import logging
from enum import Enum
from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from cryptodesk.access.ratelimit import AttemptLimiter
from cryptodesk.access.session import COOKIE, bearer, parse, token_matches
from cryptodesk.access.sessions import SessionBook
from cryptodesk.config import Settings, is_loopback_host
from cryptodesk.realtime.closecodes import CloseCode
from cryptodesk.realtime.origin import origin_allowed

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/login", "/logout", "/api/v1/health"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Verdict(Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    LIMITED = "limited"


class AccessGuard:
    def __init__(self, app: ASGIApp, settings: Settings, limiter: AttemptLimiter) -> None:
        self.app = app
        self.token = settings.access_token
        self.allowed_origins = settings.allowed_origins
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        origin = headers.get("origin")
        if self.token is None and not _loopback_host_header(host):
            await _deny(scope, send, 421, "this server answers only to 127.0.0.1 or localhost")
            return
        crossed = not origin_allowed(origin, host, self.allowed_origins)
        if crossed and (scope["type"] == "websocket" or scope["method"] in UNSAFE_METHODS):
            log.warning("refused a cross-origin %s from %s", scope["type"], origin)
            await _deny(scope, send, 403, "cross-origin request refused")
            return
        if self.token is None or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        verdict, wait = await self._check(scope, headers)
        if verdict is Verdict.ALLOWED:
            await self.app(scope, receive, send)
        elif verdict is Verdict.LIMITED:
            await _limited(scope, receive, send, wait)
        elif scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send(
                {"type": "websocket.close", "code": CloseCode.UNAUTHORIZED, "reason": "login"}
            )
        elif scope["method"] == "GET" and "text/html" in headers.get("accept", ""):
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [(b"location", b"/login"), (b"cache-control", b"no-store")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
        else:
            await _deny(scope, send, 401, "log in at /login or send Authorization: Bearer <token>")

    async def _check(self, scope: Scope, headers: Headers) -> tuple[Verdict, int]:
        assert self.token is not None  # noqa: S101 - only called with a token
        presented = bearer(headers.get("authorization"))
        if presented:
            client = client_address(scope)
            # Check, compare and record with no await in between: concurrent guesses from one
            # address cannot all pass the check before the first failure is counted.
            wait = self.limiter.retry_after(client)
            if wait is not None:
                log.warning("Bearer attempts from %s over the limit (%d s)", client, wait)
                return Verdict.LIMITED, wait
            if token_matches(presented, self.token):
                return Verdict.ALLOWED, 0
            self.limiter.failed(client)
            log.warning("wrong Bearer token from %s on %s", client, scope["path"])
            return Verdict.DENIED, 0
        session = parse(_session_cookie(headers), self.token)
        if session is not None and await session_book(scope).allows(session):
            return Verdict.ALLOWED, 0
        return Verdict.DENIED, 0


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def session_book(scope: Scope) -> SessionBook:
    """The running desk's sessions (created by the app's lifespan)."""
    book: SessionBook = scope["app"].state.desk.sessions
    return book


def _session_cookie(headers: Headers) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except CookieError:  # a malformed Cookie header is no credential
        return None
    morsel = cookies.get(COOKIE)
    return morsel.value if morsel else None


def _loopback_host_header(host: str | None) -> bool:
    if not host:
        return True  # HTTP/1.0 clients; browsers always send Host
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return is_loopback_host(name)


async def _limited(scope: Scope, receive: Receive, send: Send, wait: int) -> None:
    body = json.dumps(
        {"detail": f"too many failed attempts: try again in {wait} s", "code": "rate_limited"}
    ).encode()
    headers = [*_json_headers(body), (b"retry-after", str(wait).encode())]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    elif "websocket.http.response" in scope.get("extensions", {}):
        await receive()  # websocket.connect
        await send({"type": "websocket.http.response.start", "status": 429, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": CloseCode.POLICY})  # before accept: HTTP 403


def _json_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


async def _deny(scope: Scope, send: Send, status: int, detail: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": CloseCode.POLICY})  # before accept: HTTP 403
        return
    code = {401: "unauthorized", 403: "forbidden", 421: "misdirected"}.get(status, "error")
    body = json.dumps({"detail": detail, "code": code}).encode()
    headers = _json_headers(body)
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    message: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(message)
    await send({"type": "http.response.body", "body": body})
