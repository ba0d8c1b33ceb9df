"""The ASGI middleware in front of everything: the access token when one is set, and on
loopback without one, requests only for a loopback host name (no DNS rebinding).

Browsers' cross-origin WebSockets are refused before anything else (HTTP 403), as are
cross-origin writes. Without a valid token: REST gets 401 (a browser page load is sent to
/login), a WebSocket is accepted and closed with 4401 so the page can tell why.
"""

from __future__ import annotations

import json
import logging
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from cryptodesk.access.session import COOKIE, bearer, cookie_valid, token_matches
from cryptodesk.config import Settings, is_loopback_host
from cryptodesk.realtime.origin import origin_allowed

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/login", "/logout", "/api/v1/health"})
CLOSE_UNAUTHORIZED = 4401
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AccessGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.token = settings.access_token
        self.allowed_origins = settings.allowed_origins

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
        if self.token is None or scope["path"] in PUBLIC_PATHS or self._authorized(headers):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_UNAUTHORIZED, "reason": "login"})
            return
        if scope["method"] == "GET" and "text/html" in headers.get("accept", ""):
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [(b"location", b"/login"), (b"cache-control", b"no-store")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await _deny(scope, send, 401, "log in at /login or send Authorization: Bearer <token>")

    def _authorized(self, headers: Headers) -> bool:
        assert self.token is not None  # noqa: S101 - only called with a token
        if token_matches(bearer(headers.get("authorization")), self.token):
            return True
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is no credential
            return False
        morsel = cookies.get(COOKIE)
        return cookie_valid(morsel.value if morsel else None, self.token)


def _loopback_host_header(host: str | None) -> bool:
    if not host:
        return True  # HTTP/1.0 clients; browsers always send Host
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return is_loopback_host(name)


async def _deny(scope: Scope, send: Send, status: int, detail: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        return
    code = {401: "unauthorized", 403: "forbidden", 421: "misdirected"}.get(status, "error")
    body = json.dumps({"detail": detail, "code": code}).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    message: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(message)
    await send({"type": "http.response.body", "body": body})
