"""The Origin allow-list, checked before a WebSocket is accepted."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_allowed(origin: str | None, host_header: str | None, allowed: list[str]) -> bool:
    """A missing Origin (non-browser client) is allowed; a browser must come from our own
    origin (same host and port as the request) or one configured in `allowed_origins`."""
    if origin is None:
        return True
    normalized = origin.rstrip("/").lower()
    if normalized in {o.rstrip("/").lower() for o in allowed}:
        return True
    parts = urlsplit(normalized)
    if parts.scheme not in ("http", "https") or not parts.netloc or host_header is None:
        return False
    return parts.netloc == host_header.lower()
