"""`python -m tests.cluster.replica_main PORT`: what `cryptodesk serve` runs, with two test
additions: runs are driven by a paced scripted engine (a question may set `steps=N` and
`pause=S`, the pause after each tool call: long runs with a steady stream of frames; defaults
`REPLICA_STEPS`, `REPLICA_PAUSE_S`), and a cluster-wide probe job
(`cluster.singleton`, lease `REPLICA_JOB_TTL_S`) that appends `<pid> <epoch> <time>` to the file
`REPLICA_JOB_FILE` every `REPLICA_JOB_BEAT_S` while this process holds it.

Every setting comes from the environment (`CRYPTODESK_*`), as for `cryptodesk serve`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from cryptodesk.app import create_app
from cryptodesk.cluster.singleton import Singletons
from cryptodesk.config import get_settings
from cryptodesk.desk import Desk
from cryptodesk.domain.events import EventSink
from cryptodesk.engines.base import RunRequest
from cryptodesk.serving import UVICORN_OPTIONS
from tests.runtime.scripted import ScriptedEngine


def _probe(path: Path, beat_s: float):  # type: ignore[no-untyped-def]
    async def job(epoch: int) -> None:
        while True:
            with path.open("a") as out:
                out.write(f"{os.getpid()} {epoch} {time.time():.3f}\n")
            await asyncio.sleep(beat_s)

    return job


@dataclass
class PacedEngine(ScriptedEngine):
    async def run(self, request: RunRequest, sink: EventSink) -> None:
        steps = re.search(r"\bsteps=(\d+)", request.question)
        pause = re.search(r"\bpause=([0-9.]+)", request.question)
        paced = replace(
            self,
            steps=int(steps.group(1)) if steps else self.steps,
            pause_s=float(pause.group(1)) if pause else self.pause_s,
        )
        await ScriptedEngine.run(paced, request, sink)


def main() -> None:
    port = int(sys.argv[1])
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    engine = PacedEngine(
        steps=int(os.environ.get("REPLICA_STEPS", "40")),
        pause_s=float(os.environ.get("REPLICA_PAUSE_S", "0.1")),
    )
    app = create_app(settings, engine_for=lambda _choice: engine)
    job_file = os.environ.get("REPLICA_JOB_FILE")
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with serve(app):
            desk: Desk = app.state.desk
            if job_file:
                ttl = float(os.environ.get("REPLICA_JOB_TTL_S", "3"))
                desk.singletons = Singletons(desk.store.leases, ttl_s=ttl, renew_s=ttl / 3)
                beat = float(os.environ.get("REPLICA_JOB_BEAT_S", "0.2"))
                desk.singletons.start("probe", _probe(Path(job_file), beat))
            yield

    app.router.lifespan_context = lifespan
    uvicorn.run(
        app,
        host=settings.host,
        port=port,
        log_level=settings.log_level.lower(),
        **UVICORN_OPTIONS,
    )


if __name__ == "__main__":
    main()
