"""Scheduled analyses and the delivery of analyses that ended: a cluster-wide job.

A schedule is a cron expression in UTC ("0 8 * * *": every day at 08:00) and a question about a
coin on a timeframe. When one is due, the job claims the run (moves `next_run_at` forward with a
conditional update and records a firing awaiting its analysis, in one transaction), starts the
analysis in the schedule's conversation, and later delivers it like an alert (`FollowUps`).
Schedules run on wall-clock time in every market mode; the analysis uses the configured data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from cronsim import CronSim, CronSimError
from cronsim.explain import explain

from cryptodesk.errors import CryptoDeskError, UnprocessableError
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import NewFiring, Schedule
from cryptodesk.watch.followups import FollowUps

log = logging.getLogger(__name__)

TICK_S = 1.0
"""How often the job looks for due schedules and ended analyses when nothing woke it."""


def next_time(cron: str, after: datetime) -> datetime:
    """The first time after `after` that `cron` (five fields, UTC) matches;
    `UnprocessableError` for an expression that is malformed or never matches."""
    try:
        found: datetime = next(CronSim(cron, after.astimezone(UTC)))
    except (CronSimError, StopIteration) as exc:
        why = str(exc) or "it never matches"
        raise UnprocessableError(
            f"the schedule {cron!r} is not a cron expression CryptoDesk can run ({why}); "
            "use five fields in UTC, e.g. '0 8 * * *' for every day at 08:00"
        ) from exc
    return found.astimezone(UTC)


def describe_cron(cron: str) -> str:
    try:
        return f"{explain(cron)} (UTC)"
    except (CronSimError, ValueError, IndexError):
        return f"cron {cron} (UTC)"


class Scheduler:
    def __init__(self, store: Store, follow_ups: FollowUps) -> None:
        self._store = store
        self._follow_ups = follow_ups
        self.wake = asyncio.Event()

    async def run(self, _epoch: int) -> None:
        while True:
            self.wake.clear()
            try:
                await self.tick()
            except CryptoDeskError as exc:
                log.warning("scheduler: %s", exc.logged())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), TICK_S)

    async def tick(self) -> None:
        now = datetime.now(UTC)
        for schedule in await self._store.schedules.due(now):
            await self._run(schedule, now)
        await self._follow_ups.settle()

    async def _run(self, schedule: Schedule, now: datetime) -> None:
        following = next_time(schedule.cron, max(now, schedule.next_run_at))
        firing = NewFiring(
            kind="schedule",
            symbol=schedule.symbol,
            title=f"🗓 {schedule.label}",
            message=f"Scheduled analysis: {schedule.question}",
            values={"cron": schedule.cron, "timeframe": schedule.timeframe},
            data_labels=(),
            target_ids=schedule.target_ids,
            market_time=now,
            stage="awaiting_run",
            schedule_id=schedule.id,
            conversation_id=schedule.conversation_id,
        )
        firing_id = await self._store.schedules.claim(schedule, following, firing)
        if firing_id is None:
            return
        log.info("scheduled analysis %s runs (%s)", schedule.id, schedule.label)
        conversation = await self._follow_ups.start(
            firing_id, schedule.question, schedule.conversation_id
        )
        if conversation is not None and conversation != schedule.conversation_id:
            await self._store.schedules.set_conversation(schedule.id, conversation)
