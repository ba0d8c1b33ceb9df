"""Checking a Bearer token and the session cookie.

The cookie is not the token: it is an expiry time signed with the token (HMAC-SHA256), so it
stops working when it expires or the token changes, and the server keeps no session state.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from pydantic import SecretStr

COOKIE = "cryptodesk_session"
SESSION_TTL_S = 12 * 3600


def _sign(token: SecretStr, message: str) -> str:
    key = token.get_secret_value().encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def issue(token: SecretStr, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + SESSION_TTL_S)
    return f"v1.{expires}.{_sign(token, f'v1.{expires}')}"


def cookie_valid(cookie: str | None, token: SecretStr, now: float | None = None) -> bool:
    if not cookie:
        return False
    parts = cookie.split(".")
    if len(parts) != 3 or parts[0] != "v1" or not parts[1].isdigit():
        return False
    if int(parts[1]) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(parts[2], _sign(token, f"v1.{parts[1]}"))


def token_matches(given: str | None, token: SecretStr) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None
