"""Scheduled analyses: "every day at 08:00 UTC analyse BTC on 4h", delivered like an alert."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.watch_schemas import ScheduleIn, ScheduleOut, SchedulePatch
from cryptodesk.store.watch_records import Schedule
from cryptodesk.watch.service import ScheduleRequest

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])


def schedule_out(schedule: Schedule) -> ScheduleOut:
    return ScheduleOut(
        id=schedule.id,
        symbol=schedule.symbol,
        coin_id=schedule.coin_id,
        cron=schedule.cron,
        timeframe=schedule.timeframe,
        question=schedule.question,
        label=schedule.label,
        target_ids=list(schedule.target_ids),
        status=schedule.status,  # deleted ones are never listed
        conversation_id=schedule.conversation_id,
        next_run_at=schedule.next_run_at,
        last_run_at=schedule.last_run_at,
        created_at=schedule.created_at,
    )


@router.post(
    "",
    response_model=ScheduleOut,
    status_code=201,
    responses=errors(400, 413, 422, 502, *STORAGE, unprocessable=True),
)
async def create_schedule(body: ScheduleIn, desk: DeskDep) -> ScheduleOut:
    """422 for a cron expression that is malformed or never matches, or an unknown coin."""
    request = ScheduleRequest(
        symbol=body.symbol,
        cron=body.cron,
        timeframe=body.timeframe,
        question=body.question,
        target_ids=tuple(body.target_ids),
    )
    return schedule_out(await desk.watch.create_schedule(request))


@router.get("", response_model=list[ScheduleOut], responses=errors(*STORAGE))
async def list_schedules(desk: DeskDep) -> list[ScheduleOut]:
    return [schedule_out(s) for s in await desk.store.schedules.listed()]


@router.patch(
    "/{schedule_id}",
    response_model=ScheduleOut,
    responses=errors(400, 404, 409, 413, 422, *STORAGE, unprocessable=True),
)
async def change_schedule(schedule_id: str, body: SchedulePatch, desk: DeskDep) -> ScheduleOut:
    return schedule_out(await desk.watch.set_schedule_status(schedule_id, body.status))


@router.delete("/{schedule_id}", status_code=204, responses=errors(404, 409, *STORAGE))
async def delete_schedule(schedule_id: str, desk: DeskDep) -> Response:
    await desk.watch.set_schedule_status(schedule_id, "deleted")
    return Response(status_code=204)
