"""The WebSocket close codes of protocol v1, and which of them a client reconnects after.

One home for them: the server closes with these, the CLI's `ask --server` reconnects by
`RECONNECT_CODES`, `cryptodesk protocol-schema` exports both (the web app's
`src/types/closeCodes.ts` is generated from it) and docs/protocol.md lists them.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    """The server is stopping: reconnect (to it or another replica)."""
    ABNORMAL = 1006
    """No close frame at all (a dropped connection); never sent, only seen by clients."""
    POLICY = 1008
    TOO_BIG = 1009
    UNAVAILABLE = 1011
    """The server cannot serve the socket now (its database cannot be used)."""
    SERVICE_RESTART = 1012
    """uvicorn closes open sockets with it when the server stops."""
    TRY_AGAIN_LATER = 1013
    SLOW_CONSUMER = 4008
    """The client stopped reading: resume with `after_seq`."""
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    NOT_FOUND = 4404
    """Unknown run or conversation."""


RECONNECT_CODES: frozenset[CloseCode] = frozenset(
    {
        CloseCode.GOING_AWAY,
        CloseCode.ABNORMAL,
        CloseCode.UNAVAILABLE,
        CloseCode.SERVICE_RESTART,
        CloseCode.TRY_AGAIN_LATER,
        CloseCode.SLOW_CONSUMER,
    }
)
"""After these a client reconnects (with `after_seq`); after any other it stops."""


def close_code_schemas() -> dict[str, Any]:
    """The JSON Schema definitions of the close codes, for `protocol_schema()`: the names ride
    along (`x-names`) so that code generators can write constants, not only types."""
    codes = sorted(CloseCode)
    reconnect = sorted(RECONNECT_CODES)
    return {
        "CloseCode": {
            "title": "CloseCode",
            "description": "WebSocket close codes of protocol v1.",
            "type": "integer",
            "enum": [int(c) for c in codes],
            "x-names": [c.name for c in codes],
        },
        "ReconnectCloseCode": {
            "title": "ReconnectCloseCode",
            "description": "Close codes after which a client reconnects with after_seq.",
            "type": "integer",
            "enum": [int(c) for c in reconnect],
            "x-names": [c.name for c in reconnect],
        },
    }
