"""Redaction of secret-looking values before anything is shown or stored."""

from __future__ import annotations

import re
from typing import Any

SECRET_KEY = re.compile(r"(key|secret|token|password|passphrase|credential|auth)", re.IGNORECASE)
REDACTED = "***"


def redact(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if SECRET_KEY.search(key):
            out[key] = REDACTED
        elif isinstance(item, dict):
            out[key] = redact(item)
        else:
            out[key] = item
    return out
