"""What the run manager keeps about a run in progress, and what it tells about runs."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from cryptodesk.domain.events import DomainEvent, Report
from cryptodesk.realtime.protocol import RunStatus
from cryptodesk.runs.eventlog import RunLog


@dataclass(eq=False)
class ActiveRunHandle:
    run_id: str
    conversation_id: str
    engine_name: str
    log: RunLog = field(repr=False)
    task: asyncio.Task[None] | None = None
    report: Report | None = None
    cancel_reason: str = "cancelled by user"
    finishing: bool = False
    created: bool = False
    """Its row is in the database (lease renewals cover it from then on)."""

    @property
    def status(self) -> RunStatus:
        return self.log.status

    @property
    def last_seq(self) -> int:
        return self.log.last_seq


@dataclass(frozen=True, slots=True)
class StartedRun:
    run_id: str
    conversation_id: str
    created: bool
    """False when `client_msg_id` matched an earlier run (an idempotent resend)."""


@dataclass(frozen=True, slots=True)
class ConversationRuns:
    """A conversation's runs as someone who starts following it must know them."""

    active: ActiveRunState | None
    ended: frozenset[str]
    """Runs that had ended: history, which REST and replays serve, never live frames."""


@dataclass(frozen=True, slots=True)
class ActiveRunState:
    """A conversation's unfinished run, from this process or from the database."""

    run_id: str
    status: RunStatus
    last_seq: int


class RunSink:
    """Where the engine's events go: the run's log (the report is also kept for the end)."""

    def __init__(self, handle: ActiveRunHandle) -> None:
        self._handle = handle

    async def emit(self, event: DomainEvent) -> None:
        if isinstance(event, Report):
            self._handle.report = event
        await self._handle.log.record(event)


def run_status(value: str) -> RunStatus:
    statuses: dict[str, RunStatus] = {
        "pending": "pending",
        "running": "running",
        "completed": "completed",
        "cancelled": "cancelled",
        "failed": "failed",
    }
    return statuses.get(value, "failed")


def usage_json(report: Report | None) -> str | None:
    if report is None:
        return None
    usage = report.usage
    return json.dumps(
        {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cost_usd": usage.cost_usd,
            "by_agent": {
                a.agent: {
                    "calls": a.calls,
                    "prompt_tokens": a.prompt_tokens,
                    "completion_tokens": a.completion_tokens,
                }
                for a in usage.by_agent
            },
        }
    )
