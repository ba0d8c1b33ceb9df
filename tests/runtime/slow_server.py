"""Runs the real app with a scripted engine whose first tool call never returns.

Started as a subprocess by the restart-recovery test, which kills it mid-run.
Usage: python -m tests.runtime.slow_server PORT DATA_DIR REPLAY_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.runtime.scripted import ScriptedEngine


def main() -> None:
    port, data_dir, replay_dir = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    settings = Settings(data_dir=data_dir, market_data="replay", replay_dir=replay_dir)
    engine = ScriptedEngine(tool_wait_s=3600)
    uvicorn.run(
        create_app(settings, engine_for=lambda _c: engine),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
