"""Redaction: the one home of how secrets are kept out of what CryptoDesk shows, stores and logs.

Two mechanisms, both here:

- by name: values under secret-looking keys (`api_key`, `apiSecret`, `token`, ...) in tool
  arguments become `***` (`redact_arguments`);
- by value, the last line of defence: the values of every configured secret are replaced by
  `***` wherever they appear in outgoing text: frames (`realtime.protocol.dump_frame`, the one
  place frames are serialized for the socket and the event log), REST answers
  (`api.scrubbing`), exports, stored messages and log records (`install_log_scrubbing`). A value
  is looked for in the forms it takes there: as is, JSON-escaped, Python-quoted (exception
  messages quote header values as bytes), URL-encoded, and its runs of printable characters (a
  value cut at a control character). Values shorter than `MIN_SCRUBBED` characters are left
  alone: they would mangle ordinary text.

The values come from `SECRETS`, a process-wide registry that the settings service updates
whenever the secrets in force change (several desks in one process, as in tests, each register
their own under their own owner name).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

REDACTED = "***"
MIN_SCRUBBED = 6
"""Shorter values are not scrubbed by value (a 3-character value would mangle ordinary text)."""

_SECRET_PARTS = frozenset(
    {"key", "apikey", "secret", "token", "password", "passphrase", "pwd", "auth", "authorization"}
)
_SECRET_WORDS = ("secret", "token", "password", "passphrase", "apikey", "api_key", "credential")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_secret_name(name: str) -> bool:
    """Whether a key such as `api_key`, `apiSecret` or `x-auth-token` names a secret."""
    lowered = name.lower()
    if any(word in lowered for word in _SECRET_WORDS):
        return True
    parts = re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower())
    return any(part in _SECRET_PARTS for part in parts)


def redact_arguments(value: object) -> Any:
    """A copy of `value` with the values of secret-looking keys replaced, at any depth."""
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED if is_secret_name(str(k)) else redact_arguments(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_arguments(item) for item in value]
    return value


def _printable_runs(value: str) -> list[str]:
    return re.split(r"\s+", "".join(c if c.isprintable() else " " for c in value))


def forms_of(value: str, min_length: int = MIN_SCRUBBED) -> set[str]:
    """The spellings `value` takes in text: as is, escaped for JSON, quoted by Python (as str
    and as UTF-8 bytes), URL-encoded, and each run of printable characters in it."""
    if len(value) < min_length:
        return set()
    forms = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        repr(value.encode("utf-8", "surrogatepass"))[2:-1],
        quote(value, safe=""),
    }
    forms.update(run for run in _printable_runs(value) if len(run) >= min_length)
    return {form for form in forms if form}


class Redactor:
    """Replaces known secret values in text; the values never appear in its repr."""

    def __init__(self, secrets: Iterable[str], min_length: int = MIN_SCRUBBED) -> None:
        forms: set[str] = set()
        for secret in secrets:
            forms |= forms_of(secret, min_length)
        # Longest first: a value must not be half-replaced through a shorter form of it.
        self._forms = tuple(sorted(forms, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def __bool__(self) -> bool:
        return bool(self._forms)

    def __repr__(self) -> str:
        return f"Redactor({len(self._forms)} forms)"


class SecretRegistry:
    """The values of the secrets in force, by owner (one desk, one settings service)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_owner: dict[str, frozenset[str]] = {}
        self._redactor = Redactor(())

    def update(self, owner: str, values: Iterable[SecretStr | str | None]) -> None:
        plain = frozenset(
            v.get_secret_value() if isinstance(v, SecretStr) else v for v in values if v
        )
        with self._lock:
            self._by_owner[owner] = frozenset(v for v in plain if v)
            self._rebuild()

    def forget(self, owner: str) -> None:
        with self._lock:
            self._by_owner.pop(owner, None)
            self._rebuild()

    def scrub(self, text: str) -> str:
        return self._redactor(text)

    def scrub_bytes(self, data: bytes) -> bytes:
        redactor = self._redactor
        if not redactor:
            return data
        text = data.decode("utf-8", "surrogateescape")
        scrubbed = redactor(text)
        return data if scrubbed == text else scrubbed.encode("utf-8", "surrogateescape")

    @property
    def active(self) -> bool:
        return bool(self._redactor)

    def _rebuild(self) -> None:
        values = set().union(*self._by_owner.values()) if self._by_owner else set()
        self._redactor = Redactor(values)  # swapped whole: readers in other threads see one


SECRETS = SecretRegistry()


def scrub(text: str) -> str:
    """`text` without the value of any configured secret."""
    return SECRETS.scrub(text)


def settings_secrets(settings: object) -> list[SecretStr]:
    """Every `SecretStr` field of a settings object (keys, tokens, the master key)."""
    fields = getattr(type(settings), "model_fields", {})
    values = (getattr(settings, name, None) for name in fields)
    return [value for value in values if isinstance(value, SecretStr)]


# ---------------------------------------------------------------------------- log records

_FORMATTER = logging.Formatter()


def _scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    if not SECRETS.active:
        return record
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed format call: keep both halves, scrubbed
        message = f"{record.msg} {record.args!r}"
    scrubbed = scrub(message)
    if scrubbed != message or scrub(repr(record.args)) != repr(record.args):
        record.msg, record.args = scrubbed, None
    if record.exc_info and record.exc_info[1] is not None:
        text = _FORMATTER.formatException(record.exc_info)
        cleaned = scrub(text)
        if cleaned != text:
            # The exception object itself carries the value: only its scrubbed text is kept.
            record.exc_text, record.exc_info = cleaned, None
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


def install_log_scrubbing() -> None:
    """Every log record, whatever logger or handler it goes to, is scrubbed when it is made
    (a record factory: it also covers handlers added later, which a handler filter would not)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "scrubs_secrets", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrub_record(previous(*args, **kwargs))

    factory.scrubs_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
