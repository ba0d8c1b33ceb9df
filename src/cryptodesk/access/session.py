"""Checking a Bearer token and the session cookie.

The cookie is not the token: `v2.<expires>.<session id>.<generation>.<signature>`, signed with
the token (HMAC-SHA256). It stops working when it expires, when the token changes, when /logout
revokes its session id, and when "log out everywhere" moves the generation on (`sessions.py`
keeps both in the database). Whatever a client sends as a cookie is parsed with bounds (ASCII
digits of bounded length, an expiry no later than a fresh session's): at worst it is invalid.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr

COOKIE = "cryptodesk_session"
SESSION_TTL_S = 12 * 3600
MAX_COOKIE_CHARS = 200
CLOCK_SKEW_S = 60
_COOKIE = re.compile(r"v2\.([0-9]{1,12})\.([0-9a-f]{32})\.([0-9]{1,12})\.([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    generation: int
    expires: int
    """Epoch seconds."""

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)


def _sign(token: SecretStr, message: str) -> str:
    key = token.get_secret_value().encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def issue(token: SecretStr, generation: int, now: float | None = None) -> tuple[str, Session]:
    """A new session of `generation` and its cookie value."""
    expires = int((now if now is not None else time.time()) + SESSION_TTL_S)
    session = Session(secrets.token_hex(16), generation, expires)
    body = f"v2.{expires}.{session.id}.{generation}"
    return f"{body}.{_sign(token, body)}", session


def parse(cookie: str | None, token: SecretStr, now: float | None = None) -> Session | None:
    """The session a cookie value stands for, if it was signed with `token` and has not expired
    (revocation is `SessionBook`'s to check); None for anything else, however malformed."""
    if not cookie or len(cookie) > MAX_COOKIE_CHARS:
        return None
    match = _COOKIE.fullmatch(cookie)
    if match is None:
        return None
    expires_text, session_id, generation, signature = match.groups()
    expires = int(expires_text)
    current = now if now is not None else time.time()
    if not current < expires <= current + SESSION_TTL_S + CLOCK_SKEW_S:
        return None  # expired, or an expiry this server never issues
    body = f"v2.{expires_text}.{session_id}.{generation}"
    if not hmac.compare_digest(signature, _sign(token, body)):
        return None
    return Session(session_id, int(generation), expires)


def token_matches(given: str | None, token: SecretStr) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None
