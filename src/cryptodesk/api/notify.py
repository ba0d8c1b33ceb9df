"""Notification targets (Apprise URLs, write-only) and the notifications list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.watch_schemas import (
    NotificationPage,
    ReadIn,
    ReadOut,
    TargetIn,
    TargetOut,
    TargetTest,
)
from cryptodesk.store.watch_records import NotifyTarget
from cryptodesk.watch.views import notifications

router = APIRouter(prefix="/api/v1", tags=["notifications"])


def target_out(target: NotifyTarget) -> TargetOut:
    return TargetOut(
        id=target.id,
        name=target.name,
        service=target.service,
        masked=target.masked,
        created_at=target.created_at,
        tested_at=target.tested_at,
        test_ok=target.test_ok,
        test_detail=target.test_detail,
    )


@router.post(
    "/notify/targets",
    response_model=TargetOut,
    status_code=201,
    responses=errors(400, 409, 413, 422, *STORAGE, unprocessable=True),
)
async def add_target(body: TargetIn, desk: DeskDep) -> TargetOut:
    """Checks the URL with Apprise (422 with the reason, never echoing the URL's secret parts)
    and keeps it in the vault; the answer shows it masked. 409 when the vault is read-only."""
    target = await desk.watch.targets.add(body.name, body.url)
    return target_out(target)


@router.get("/notify/targets", response_model=list[TargetOut], responses=errors(*STORAGE))
async def list_targets(desk: DeskDep) -> list[TargetOut]:
    return [target_out(t) for t in await desk.store.targets.listed()]


@router.post(
    "/notify/targets/{target_id}/test", response_model=TargetTest, responses=errors(404, *STORAGE)
)
async def test_target(target_id: str, desk: DeskDep) -> TargetTest:
    """Sends a real test notification now; the verdict says whether it arrived and why not."""
    target, latency = await desk.watch.targets.test(target_id, desk.settings.notify_timeout_s)
    return TargetTest(
        ok=bool(target.test_ok),
        detail=target.test_detail or "",
        latency_ms=latency,
        target=target_out(target),
    )


@router.delete("/notify/targets/{target_id}", status_code=204, responses=errors(404, *STORAGE))
async def delete_target(target_id: str, desk: DeskDep) -> Response:
    """Deliveries still pending for it fail with the reason "the notification target was
    deleted"."""
    await desk.watch.targets.remove(target_id)
    return Response(status_code=204)


@router.get("/notifications", response_model=NotificationPage, responses=errors(422, *STORAGE))
async def list_notifications(
    desk: DeskDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
) -> NotificationPage:
    firings, total, unread_count = await desk.store.firings.page(limit, unread_only=unread)
    return NotificationPage(
        items=await notifications(desk.store, firings), total=total, unread=unread_count
    )


@router.post(
    "/notifications/read", response_model=ReadOut, responses=errors(400, 413, 422, *STORAGE)
)
async def mark_read(body: ReadIn, desk: DeskDep) -> ReadOut:
    marked = await desk.store.firings.mark_read(body.ids)
    _, _, unread = await desk.store.firings.page(1)
    desk.watch.changed()
    return ReadOut(marked=marked, unread=unread)
