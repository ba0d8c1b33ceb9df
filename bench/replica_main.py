"""`python -m bench.replica_main PORT`: one replica for the replicas benchmark, i.e. what
`cryptodesk serve` runs, with the fan-out benchmark's scripted engine (`bench.scripted`).
Settings come from the environment (`CRYPTODESK_*`)."""

from __future__ import annotations

import sys

import uvicorn

from bench.scripted import DeltaEngine
from cryptodesk.app import create_app
from cryptodesk.config import get_settings
from cryptodesk.serving import UVICORN_OPTIONS


def main() -> None:
    settings = get_settings()
    engine = DeltaEngine(int(sys.argv[2]), int(sys.argv[3]))
    app = create_app(settings, engine_for=lambda _choice: engine, settle_heap=True)
    uvicorn.run(
        app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", **UVICORN_OPTIONS
    )


if __name__ == "__main__":
    main()
