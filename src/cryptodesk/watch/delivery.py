"""Delivery through Apprise: a notification target is an Apprise URL (Telegram, Discord, Slack,
e-mail, ntfy, generic JSON/form webhooks and about a hundred more).

- `inspect` checks a URL with Apprise before it is stored: `InvalidTargetError` with a reason
  otherwise, never quoting the URL's secret parts.
- `masked` is what people see of a stored URL: Apprise's own privacy form (tokens shortened,
  passwords hidden), without its query, and without the path of a generic webhook.
- `send` makes one real attempt, off the event loop, bounded by the request timeouts Apprise
  takes per URL (`cto`, `rto`); the outcome carries a plain reason (an HTTP status, no answer,
  unreachable), never Apprise's text with the URL in it. Webhooks (json, form, xml) also get the
  idempotency key as an `X-Idempotency-Key` header and an `idempotency_key` payload field, so a
  receiver can drop the one duplicate a crash may cause.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from cryptodesk.domain.format import clip
from cryptodesk.errors import InvalidTargetError

log = logging.getLogger(__name__)

WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
MAX_URL_CHARS = 2000
_HTTP_STATUS = re.compile(r"error=(\d{3})")


@dataclass(frozen=True, slots=True)
class TargetInfo:
    service: str
    """Apprise's name of the service, e.g. "Telegram" or "JSON"."""
    masked: str


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    error: str | None = None
    """A plain reason (no URL, no token) when the attempt failed."""
    retryable: bool = True
    latency_ms: int = 0


def inspect(url: str) -> TargetInfo:
    """What Apprise makes of `url`; `InvalidTargetError` saying why when it cannot use it."""
    url = url.strip()
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if not scheme:
        raise InvalidTargetError("is not an Apprise URL (expected scheme://..., e.g. ntfy://topic)")
    if len(url) > MAX_URL_CHARS:
        raise InvalidTargetError(f"is longer than {MAX_URL_CHARS} characters")
    if not _known_scheme(scheme):
        raise InvalidTargetError(
            f"uses {scheme}://, a scheme Apprise does not know (see the list of services at "
            "https://appriseit.com/services/)"
        )
    with _captured() as lines:
        plugin = _instantiate(url)
    if plugin is None:
        why = _scrubbed(lines[0], url) if lines else "its parts are incomplete or malformed"
        raise InvalidTargetError(f"is a {scheme}:// URL Apprise cannot use: {why}")
    return TargetInfo(str(plugin.service_name), masked(plugin, scheme))


async def send(
    url: str, title: str, body: str, *, idempotency_key: str | None, timeout_s: float
) -> SendOutcome:
    """One attempt to deliver; never raises for a failed delivery."""
    target = _with_options(url, idempotency_key, timeout_s)
    started = time.monotonic()
    try:
        # Apprise's requests are bounded by cto/rto; the margin covers the rest of its work.
        ok, lines = await asyncio.wait_for(
            asyncio.to_thread(_notify, target, title, body), timeout=3 * timeout_s + 5
        )
    except TimeoutError:
        return SendOutcome(False, f"no answer within {timeout_s:g} s", latency_ms=_ms(started))
    elapsed = time.monotonic() - started
    if ok:
        return SendOutcome(True, latency_ms=_ms(started))
    return SendOutcome(False, _reason(lines, url, elapsed, timeout_s), latency_ms=_ms(started))


def masked(plugin: Any, scheme: str) -> str:
    private = str(plugin.url(privacy=True)).split("?", 1)[0]
    if scheme in WEBHOOK_SCHEMES:
        parts = urlsplit(private)
        path = "/…" if parts.path not in ("", "/") else ""
        return f"{parts.scheme}://{parts.netloc}{path}"
    return private


@functools.cache
def _apprise() -> Any:
    """Apprise with its plugins loaded, once. Loading them imports `imghdr` (for e-mail), which
    Python 3.11+ deprecates: that warning is Apprise's, not ours to show."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise
        from apprise.apprise import N_MGR

        N_MGR.load_modules()  # type: ignore[no-untyped-call]
    return apprise


def _known_scheme(scheme: str) -> bool:
    from apprise.apprise import N_MGR

    _apprise()
    return scheme in N_MGR


def _instantiate(url: str) -> Any:
    return _apprise().Apprise.instantiate(url, asset=_asset())


def _asset() -> Any:
    return _apprise().AppriseAsset(app_id="CryptoDesk", storage_mode="memory")


def _notify(url: str, title: str, body: str) -> tuple[bool, list[str]]:
    """Runs in a worker thread: Apprise's notify is blocking."""
    notifier = _apprise().Apprise(asset=_asset())
    with _captured() as lines:
        if not notifier.add(url):
            return False, [*lines, "Apprise could not load the target"]
        result = notifier.notify(body=body, title=title)
    messages = [
        entry.message
        for service in getattr(result, "results", ())
        for attempt in service.attempts
        for entry in attempt.logs
    ]
    return bool(result), messages or lines


def _with_options(url: str, key: str | None, timeout_s: float) -> str:
    scheme = url.partition("://")[0].lower()
    options = [f"cto={timeout_s:g}", f"rto={timeout_s:g}"]
    if key is not None and scheme in WEBHOOK_SCHEMES:
        value = quote(key, safe="")
        options += [f"%2BX-Idempotency-Key={value}", f":idempotency_key={value}"]
    return url + ("&" if "?" in url else "?") + "&".join(options)


def _reason(lines: list[str], url: str, elapsed: float, timeout_s: float) -> str:
    text = " ".join(lines)
    status = _HTTP_STATUS.search(text)
    if status is not None:
        return f"the receiver answered HTTP {status.group(1)}"
    if "connection error" in text.lower():
        if elapsed >= 0.9 * timeout_s:
            return f"no answer within {timeout_s:g} s"
        return "the receiver could not be reached (connection failed)"
    return clip(_scrubbed(lines[0], url), 200) if lines else "the service did not accept it"


def _scrubbed(text: str, url: str) -> str:
    """`text` without any part of `url` (Apprise's messages quote tokens they reject)."""
    rest = url.partition("://")[2]
    parts = sorted(
        {p for p in re.split(r"[/:@?&=#+,;]", rest) if len(p) >= 3}, key=len, reverse=True
    )
    for part in (rest, *parts):
        if part:
            text = text.replace(part, "***")
    return text.strip()


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


class _ThreadCapture(logging.Handler):
    """Apprise's log lines of the current thread only (deliveries run in parallel threads)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        lines: list[str] | None = getattr(self.local, "lines", None)
        if lines is not None:
            lines.append(record.getMessage())


_CAPTURE = _ThreadCapture()


class _captured:
    def __enter__(self) -> list[str]:
        apprise_log = logging.getLogger("apprise")
        if _CAPTURE not in apprise_log.handlers:
            apprise_log.addHandler(_CAPTURE)
            if apprise_log.level == logging.NOTSET:
                apprise_log.setLevel(logging.WARNING)
        lines: list[str] = []
        _CAPTURE.local.lines = lines
        return lines

    def __exit__(self, *_exc: object) -> None:
        _CAPTURE.local.lines = None
