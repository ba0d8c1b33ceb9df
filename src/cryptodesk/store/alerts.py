"""Alert rules, and the watcher's writes: rule state changes and firings in one transaction.

A rule fires through a conditional update (`status = 'active' AND armed`), so a crossing is
recorded once even if two watchers ever evaluated it (a paused replica that lost its lease).
The watcher's own writes leave `updated_at` alone: it marks changes people made, which the
watcher reloads its rules on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import func, select, update

from cryptodesk.errors import ConflictError, NotFoundError
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.firings import add_firing
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import AlertRuleRow
from cryptodesk.store.watch_records import (
    AlertRule,
    NewFiring,
    RuleOrigin,
    RuleSpec,
    RuleStatus,
)

LISTED: tuple[RuleStatus, ...] = ("proposed", "active", "paused", "done")


@dataclass(frozen=True, slots=True)
class StateChange:
    rule_id: str
    armed: bool


@dataclass(frozen=True, slots=True)
class Fire:
    rule_id: str
    once: bool
    firing: NewFiring


def _rule(row: AlertRuleRow) -> AlertRule:
    return AlertRule(
        id=row.id,
        coin_id=row.coin_id,
        symbol=row.symbol,
        kind=row.kind,
        value=row.value,
        params=json.loads(row.params),
        target_ids=tuple(json.loads(row.target_ids)),
        follow_up=row.follow_up,
        once=row.once,
        cooldown_s=row.cooldown_s,
        status=cast(RuleStatus, row.status),
        origin=cast(RuleOrigin, row.origin),
        label=row.label,
        conversation_id=row.conversation_id,
        run_id=row.run_id,
        armed=row.armed,
        last_fired_at=row.last_fired_at,
        fire_count=row.fire_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class AlertRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def create(self, spec: RuleSpec) -> AlertRule:
        now = datetime.now(UTC)
        row = AlertRuleRow(
            id=new_id(),
            coin_id=spec.coin_id,
            symbol=spec.symbol,
            kind=spec.kind,
            value=spec.value,
            params=json.dumps(spec.params),
            target_ids=json.dumps(list(spec.target_ids)),
            follow_up=spec.follow_up,
            once=spec.once,
            cooldown_s=spec.cooldown_s,
            status=spec.status,
            origin=spec.origin,
            label=spec.label,
            conversation_id=spec.conversation_id,
            run_id=spec.run_id,
            armed=True,
            last_fired_at=None,
            fire_count=0,
            created_at=now,
            updated_at=now,
        )
        async with self._sessions() as s:
            s.add(row)
            await s.commit()
        return _rule(row)

    async def get(self, rule_id: str) -> AlertRule:
        async with self._sessions() as s:
            row = await s.get(AlertRuleRow, rule_id)
        if row is None or row.status == "deleted":
            raise NotFoundError("alert", rule_id)
        return _rule(row)

    async def listed(
        self, statuses: Sequence[RuleStatus] = LISTED, conversation_id: str | None = None
    ) -> list[AlertRule]:
        query = select(AlertRuleRow).where(AlertRuleRow.status.in_(list(statuses)))
        if conversation_id is not None:
            query = query.where(AlertRuleRow.conversation_id == conversation_id)
        query = query.order_by(AlertRuleRow.created_at, AlertRuleRow.id)
        async with self._sessions() as s:
            return [_rule(r) for r in (await s.execute(query)).scalars()]

    async def set_status(
        self, rule_id: str, status: RuleStatus, allowed_from: Sequence[RuleStatus]
    ) -> AlertRule:
        """Moves a rule to `status` from one of `allowed_from` (a conditional update: a rule
        changed meanwhile is a conflict, never overwritten). A rule made active is armed anew."""
        values: dict[str, object] = {"status": status, "updated_at": datetime.now(UTC)}
        if status == "active":
            values["armed"] = True
        async with self._sessions() as s:
            changed = await s.execute(
                update(AlertRuleRow)
                .where(AlertRuleRow.id == rule_id, AlertRuleRow.status.in_(list(allowed_from)))
                .values(**values)
                .returning(AlertRuleRow)
            )
            row = changed.scalar_one_or_none()
            if row is None:
                current = await s.get(AlertRuleRow, rule_id)
                if current is None or current.status == "deleted":
                    raise NotFoundError("alert", rule_id)
                raise ConflictError(
                    f"alert {rule_id} is {current.status}: it cannot become {status}"
                )
            rule = _rule(row)
            await s.commit()
        return rule

    async def set_conversation(self, rule_id: str, conversation_id: str) -> None:
        """The conversation its follow-up analyses go to, from the first one on."""
        async with self._sessions() as s:
            await s.execute(
                update(AlertRuleRow)
                .where(AlertRuleRow.id == rule_id)
                .values(conversation_id=conversation_id)
            )
            await s.commit()

    async def version(self) -> tuple[datetime | None, int]:
        """What changes when people change the rules: the last `updated_at` and the count of
        active rules (the watcher reloads when either moved)."""
        async with self._sessions() as s:
            latest = (await s.execute(select(func.max(AlertRuleRow.updated_at)))).scalar_one()
            active = (
                await s.execute(
                    select(func.count())
                    .select_from(AlertRuleRow)
                    .where(AlertRuleRow.status == "active")
                )
            ).scalar_one()
        return latest, int(active)

    async def record(
        self, changes: Sequence[StateChange], fires: Sequence[Fire]
    ) -> list[tuple[str, str]]:
        """Applies one update's decisions in one transaction; returns (rule id, firing id) of
        the rules that fired (a rule no longer active or armed fires nothing)."""
        now = datetime.now(UTC)
        fired: list[tuple[str, str]] = []
        async with self._sessions() as s:
            for change in changes:
                await s.execute(
                    update(AlertRuleRow)
                    .where(AlertRuleRow.id == change.rule_id, AlertRuleRow.status == "active")
                    .values(armed=change.armed)
                )
            for fire in fires:
                values: dict[str, object] = {
                    "armed": False,
                    "last_fired_at": now,
                    "fire_count": AlertRuleRow.fire_count + 1,
                }
                if fire.once:
                    values["status"] = "done"
                    values["updated_at"] = now
                won = await s.execute(
                    update(AlertRuleRow)
                    .where(
                        AlertRuleRow.id == fire.rule_id,
                        AlertRuleRow.status == "active",
                        AlertRuleRow.armed.is_(True),
                    )
                    .values(**values)
                )
                if won.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                fired.append((fire.rule_id, await add_firing(s, fire.firing, now)))
            await s.commit()
        return fired
