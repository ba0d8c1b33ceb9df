"""`/login`: a small form that exchanges the access token for an HttpOnly, SameSite=Strict
session cookie (the token never goes into a URL). `/logout` revokes the session of the cookie
it is sent with; `/logout?everywhere=1` (with a valid session) logs every session out."""

from __future__ import annotations

import html
import logging
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cryptodesk.access.guard import client_address, session_book
from cryptodesk.access.ratelimit import AttemptLimiter
from cryptodesk.access.session import COOKIE, SESSION_TTL_S, issue, parse, token_matches
from cryptodesk.config import Settings

log = logging.getLogger(__name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>CryptoDesk: log in</title>
<style>body{{font-family:system-ui,sans-serif;background:#0f1419;color:#e6e6e6;display:grid;
place-items:center;min-height:100vh;margin:0}}form{{background:#1a2029;padding:2em;border-radius:8px;
min-width:20em}}input{{width:100%;padding:.6em;margin:.6em 0 1em;box-sizing:border-box;
background:#0f1419;color:inherit;border:1px solid #3a4350;border-radius:4px}}button{{padding:.6em
1.4em;background:#2f81f7;color:#fff;border:0;border-radius:4px;cursor:pointer}}
.error{{color:#f85149}}</style></head><body>
<form method="post" action="/login"><h1>📈 CryptoDesk</h1>
<label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
{message}<button type="submit">Log in</button></form></body></html>"""


def _page(message: str = "", status: int = 200, **headers: str) -> HTMLResponse:
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return HTMLResponse(PAGE.format(message=shown), status_code=status, headers=headers or None)


def login_router(settings: Settings, limiter: AttemptLimiter) -> APIRouter:
    """`limiter` is the guard's: wrong logins and wrong Bearer tokens count together."""
    router = APIRouter(include_in_schema=False)
    token = settings.access_token

    @router.get("/login")
    async def login_form() -> Response:
        if token is None:
            return RedirectResponse("/", status_code=303)
        return _page()

    @router.post("/login")
    async def login(request: Request) -> Response:
        if token is None:
            return RedirectResponse("/", status_code=303)
        client = client_address(request.scope)
        # Counted as failed before the body is read (the reading awaits): a success clears it.
        wait = limiter.reserve(client)
        if wait is not None:
            log.warning("login rate limit reached for %s", client)
            return _page(
                f"Too many failed attempts: try again in {wait} s.",
                429,
                **{"Retry-After": str(wait)},
            )
        body = await request.body()  # bounded before it is read (`access.bodies`)
        fields = parse_qs(body.decode("utf-8", "replace"))
        given = (fields.get("token") or [""])[0]
        if not token_matches(given, token):
            log.warning("failed login from %s", client)
            return _page("That token is not right.", 401)
        limiter.succeeded(client)
        cookie, _session = issue(token, await session_book(request.scope).generation())
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=SESSION_TTL_S,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.post("/logout")
    async def logout(request: Request, everywhere: bool = False) -> Response:
        session = parse(request.cookies.get(COOKIE), token) if token is not None else None
        book = session_book(request.scope)
        if session is not None and not await book.allows(session):
            session = None  # already logged out: it can revoke nothing more
        if everywhere:
            if session is None:
                return _page("Log in first to log out every session.", 401)
            generation = await book.revoke_all()
            log.warning("every session logged out by %s", client_address(request.scope))
            log.info("session generation is now %d", generation)
        elif session is not None:
            await book.revoke(session)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    return router
