"""Opaque ids: UUID4 hex strings, never database integers."""

from __future__ import annotations

import uuid


def new_id() -> str:
    return uuid.uuid4().hex
