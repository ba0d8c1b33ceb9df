"""The access token of the guarded test servers, and how clients present it."""

from __future__ import annotations

import httpx

from cryptodesk.access.session import COOKIE
from tests.runtime.server import LiveServer

TOKEN = "access-token-5b2d9e7f1a3c"


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_in(server: LiveServer) -> str:
    """A fresh session cookie from the login form."""
    login = httpx.post(f"{server.http}/login", data={"token": TOKEN})
    assert login.status_code == 303, login.text
    return login.cookies[COOKIE]
