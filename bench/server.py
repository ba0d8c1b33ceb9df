"""The benchmarks' server: the tests' real uvicorn server on a free loopback port, in a thread.

One implementation for both (`tests/runtime/server.py`), so the benchmarks measure exactly the
setup the tests exercise: `cryptodesk serve`'s uvicorn options from `cryptodesk.serving`.
"""

from __future__ import annotations

from tests.runtime.server import LiveServer, free_port, running

__all__ = ["LiveServer", "free_port", "running"]
