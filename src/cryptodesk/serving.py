"""How CryptoDesk runs under uvicorn: one set of options for `serve`, tests and benchmarks."""

from __future__ import annotations

import gc
from typing import Any

from cryptodesk.realtime.protocol import MAX_FRAME_BYTES
from cryptodesk.transport import HttpProtocol, WebSocketProtocol

UVICORN_OPTIONS: dict[str, Any] = {
    # uvicorn's httptools and websockets protocols with a deadline for a whole request
    # (slowloris) and an answer to handshakes websockets refuses (see cryptodesk.transport).
    "http": HttpProtocol,
    "ws": WebSocketProtocol,
    "timeout_keep_alive": 5,  # idle time between two requests of one connection
    "ws_max_size": MAX_FRAME_BYTES,  # larger frames close with 1009
    "ws_ping_interval": 20.0,  # protocol pings detect dead peers
    "ws_ping_timeout": 20.0,
    # Frames are small JSON on a local desk: compression would cost about a quarter of the
    # server's CPU in fan-out and ~35 KB of zlib state per idle socket (see `make bench`).
    "ws_per_message_deflate": False,
    "timeout_graceful_shutdown": 10,
}


def settle_heap() -> None:
    """Takes the objects start-up made (modules, the app, the engines and their agents) out of
    the garbage collector's view (`gc.freeze`), once, in a process that owns one app.

    They live as long as the process, yet every full collection walked all of them: with the
    LLM team loaded that was an 80-100 ms pause of the whole event loop (every stream, every
    socket) every so often; after this it is ~3 ms (`make bench`, LLM team). Objects made later
    are collected as usual; frozen ones are still freed when their last reference goes.
    """
    gc.collect()
    gc.freeze()
