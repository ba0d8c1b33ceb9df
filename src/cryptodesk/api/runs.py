"""A run's stored frames, the same ones a WebSocket resume replays."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query

from cryptodesk.api.conversations import run_out
from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.schemas import RunEvents, RunOut
from cryptodesk.realtime.protocol import MAX_SEQ

router = APIRouter(prefix="/api/v1/runs", tags=["runs"])

MAX_EVENTS_PER_PAGE = 5000


@router.get("/{run_id}", response_model=RunOut, responses=errors(404, *STORAGE))
async def get_run(run_id: str, desk: DeskDep) -> RunOut:
    run = await desk.store.runs.get(run_id)
    status, last_seq = await desk.runs.state(run_id)  # the live state of a run in progress
    feedback = (await desk.store.feedback.for_runs([run_id])).get(run_id)
    return run_out(run, feedback).model_copy(update={"status": status, "last_seq": last_seq})


@router.get("/{run_id}/events", response_model=RunEvents, responses=errors(404, 422, *STORAGE))
async def run_events(
    run_id: str,
    desk: DeskDep,
    after_seq: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS_PER_PAGE)] = MAX_EVENTS_PER_PAGE,
) -> RunEvents:
    run = await desk.store.runs.get(run_id)
    status, last_seq = await desk.runs.state(run_id)
    events = await desk.runs.events_after(run_id, after_seq, limit)
    return RunEvents(
        run_id=run.id,
        conversation_id=run.conversation_id,
        status=status,
        last_seq=last_seq,
        events=[json.loads(e.frame) for e in events],
    )
