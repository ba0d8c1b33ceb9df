"""Thumbs up or down on an answer (a run), with optional reasons; counted in the track record."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.records import FeedbackIn, FeedbackOut, feedback_out
from cryptodesk.api.responses import STORAGE, errors

router = APIRouter(prefix="/api/v1/runs", tags=["runs"])


@router.put(
    "/{run_id}/feedback",
    response_model=FeedbackOut,
    responses=errors(400, 404, 413, 422, *STORAGE),
)
async def put_feedback(run_id: str, body: FeedbackIn, desk: DeskDep) -> FeedbackOut:
    """Stores the feedback on the run's answer, replacing any earlier one."""
    return feedback_out(await desk.store.feedback.put(run_id, body.rating, body.reasons))


@router.delete("/{run_id}/feedback", status_code=204, responses=errors(404, *STORAGE))
async def delete_feedback(run_id: str, desk: DeskDep) -> Response:
    """Takes the feedback back (nothing happens when there is none)."""
    await desk.store.feedback.remove(run_id)
    return Response(status_code=204)
