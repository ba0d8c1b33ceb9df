"""Alert rules: made here, from the CLI, the web app or the chat (proposed, then confirmed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.watch_schemas import AlertDetail, AlertIn, AlertOut, AlertPatch
from cryptodesk.rules.conditions import Condition
from cryptodesk.store.watch_records import AlertRule, RuleStatus
from cryptodesk.watch.service import RuleRequest

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


def alert_out(rule: AlertRule) -> AlertOut:
    return AlertOut(
        id=rule.id,
        symbol=rule.symbol,
        coin_id=rule.coin_id,
        condition=Condition.model_validate({"kind": rule.kind, "value": rule.value, **rule.params}),
        label=rule.label,
        target_ids=list(rule.target_ids),
        follow_up=rule.follow_up,
        once=rule.once,
        cooldown_s=rule.cooldown_s,
        status=rule.status,  # deleted rules are never listed
        origin=rule.origin,
        conversation_id=rule.conversation_id,
        last_fired_at=rule.last_fired_at,
        fire_count=rule.fire_count,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


@router.post(
    "",
    response_model=AlertOut,
    status_code=201,
    responses=errors(400, 413, 422, 502, *STORAGE, unprocessable=True),
)
async def create_alert(body: AlertIn, desk: DeskDep) -> AlertOut:
    """422 with the reason for an unknown coin, an unknown target, or a funding rule without a
    usable exchange; the condition's threshold must be a JSON number."""
    request = RuleRequest(
        symbol=body.symbol,
        condition=body.condition,
        target_ids=tuple(body.target_ids),
        follow_up=body.follow_up,
        once=body.once,
        cooldown_s=body.cooldown_s,
    )
    return alert_out(await desk.watch.create_rule(request, origin="api"))


@router.get("", response_model=list[AlertOut], responses=errors(422, *STORAGE))
async def list_alerts(
    desk: DeskDep,
    status: Annotated[RuleStatus | None, Query(description="only this status")] = None,
) -> list[AlertOut]:
    statuses: tuple[RuleStatus, ...] = (
        (status,) if status and status != "deleted" else ("proposed", "active", "paused", "done")
    )
    return [alert_out(rule) for rule in await desk.store.alerts.listed(statuses)]


@router.get("/{alert_id}", response_model=AlertDetail, responses=errors(404, *STORAGE))
async def read_alert(alert_id: str, desk: DeskDep) -> AlertDetail:
    rule = await desk.store.alerts.get(alert_id)
    firings = await desk.watch.rule_firings(alert_id)
    return AlertDetail(**alert_out(rule).model_dump(), firings=firings)


@router.patch(
    "/{alert_id}", response_model=AlertOut, responses=errors(400, 404, 409, 413, 422, *STORAGE)
)
async def change_alert(alert_id: str, body: AlertPatch, desk: DeskDep) -> AlertOut:
    """Pause or resume; `active` on a proposed rule confirms it (409 for a rule that is done)."""
    return alert_out(await desk.watch.set_rule_status(alert_id, body.status))


@router.delete("/{alert_id}", status_code=204, responses=errors(404, 409, *STORAGE))
async def delete_alert(alert_id: str, desk: DeskDep) -> Response:
    """The rule stops; its firings stay in the notifications."""
    await desk.watch.set_rule_status(alert_id, "deleted")
    return Response(status_code=204)
