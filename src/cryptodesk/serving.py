"""How CryptoDesk runs under uvicorn: one set of options for `serve`, tests and benchmarks."""

from __future__ import annotations

from typing import Any

from cryptodesk.realtime.protocol import MAX_FRAME_BYTES

UVICORN_OPTIONS: dict[str, Any] = {
    "ws_max_size": MAX_FRAME_BYTES,  # larger frames close with 1009
    "ws_ping_interval": 20.0,  # protocol pings detect dead peers
    "ws_ping_timeout": 20.0,
    # Frames are small JSON on a local desk: compression would cost about a quarter of the
    # server's CPU in fan-out and ~35 KB of zlib state per idle socket (see `make bench`).
    "ws_per_message_deflate": False,
    "timeout_graceful_shutdown": 10,
}
