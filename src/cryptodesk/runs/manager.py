"""The run manager: every run is a server-owned task, independent of any socket.

A run's frames get a gap-free `seq`, are stored in the event log before anyone sees them, and are
published to every subscriber of the conversation. Exactly one terminal status ends each run:
`completed`, `cancelled` (cancel, shutdown) or `failed` (error, timeout, server restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptodesk.domain.events import DomainEvent, Report, RunError
from cryptodesk.engines.base import Engine, HistoryMessage, RunRequest
from cryptodesk.errors import CryptoDeskError, RunActiveError
from cryptodesk.realtime.hub import Hub
from cryptodesk.realtime.protocol import RunFrame, RunStatus, StatusFrame, StatusValue, dump_frame
from cryptodesk.runs.eventlog import RunLog
from cryptodesk.runs.frames import to_frame
from cryptodesk.store.ids import new_id
from cryptodesk.store.runs import PendingEvent
from cryptodesk.store.store import Store

log = logging.getLogger(__name__)

HISTORY_MESSAGES = 20


@dataclass(eq=False)
class ActiveRunHandle:
    run_id: str
    conversation_id: str
    engine_name: str
    status: RunStatus = "pending"
    last_seq: int = 0
    task: asyncio.Task[None] | None = None
    report: Report | None = None
    cancel_reason: str = "cancelled by user"
    finishing: bool = False
    log: RunLog | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class StartedRun:
    run_id: str
    conversation_id: str
    created: bool
    """False when `client_msg_id` matched an earlier run (an idempotent resend)."""


EngineFactory = Callable[[str | None], Engine]


class RunManager:
    def __init__(
        self,
        store: Store,
        hub: Hub,
        engine_for: EngineFactory,
        *,
        run_timeout_s: float,
        default_max_turns: int,
    ) -> None:
        self._store = store
        self._hub = hub
        self._engine_for = engine_for
        self._run_timeout_s = run_timeout_s
        self._default_max_turns = default_max_turns
        self._active: dict[str, ActiveRunHandle] = {}
        self._by_conversation: dict[str, str] = {}

    # ------------------------------------------------------------------ queries

    @property
    def active_count(self) -> int:
        return len(self._active)

    def running_tasks(self) -> tuple[asyncio.Task[None], ...]:
        """The tasks of the runs in progress (services they use close after them)."""
        return tuple(h.task for h in self._active.values() if h.task is not None)

    def configure(self, *, run_timeout_s: float, default_max_turns: int) -> None:
        """Limits for the runs that start from now on (settings changed at run time)."""
        self._run_timeout_s = run_timeout_s
        self._default_max_turns = default_max_turns

    def active(self, run_id: str) -> ActiveRunHandle | None:
        return self._active.get(run_id)

    def active_for_conversation(self, conversation_id: str) -> ActiveRunHandle | None:
        run_id = self._by_conversation.get(conversation_id)
        return self._active.get(run_id) if run_id else None

    async def state(self, run_id: str) -> tuple[RunStatus, int]:
        handle = self._active.get(run_id)
        if handle is not None:
            return handle.status, handle.last_seq
        run = await self._store.runs.get(run_id)
        return _status(run.status), run.last_seq

    # ------------------------------------------------------------------ commands

    async def start(
        self,
        message: str,
        *,
        conversation_id: str | None = None,
        client_msg_id: str | None = None,
        max_turns: int | None = None,
        engine: str | None = None,
        on_created: Callable[[str], None] | None = None,
    ) -> StartedRun:
        """Starts a run. `on_created(conversation_id)` runs before the run's first frame."""
        if client_msg_id is not None:
            earlier = await self._store.runs.find_by_client_msg_id(conversation_id, client_msg_id)
            if earlier is not None:
                if on_created is not None:
                    on_created(earlier.conversation_id)
                return StartedRun(earlier.id, earlier.conversation_id, created=False)
        chosen = self._engine_for(engine)
        if conversation_id is None:
            conversation_id = (await self._store.conversations.create(message)).id
        else:
            await self._store.conversations.get(conversation_id)  # NotFoundError
        busy = self.active_for_conversation(conversation_id)
        if busy is not None:
            raise RunActiveError(conversation_id, busy.run_id)

        run_id = new_id()
        handle = ActiveRunHandle(run_id, conversation_id, chosen.name)
        handle.log = RunLog(self._store.runs, self._hub, run_id, conversation_id)
        # Claim the conversation before any await, so two chats cannot both start.
        self._active[run_id] = handle
        self._by_conversation[conversation_id] = run_id
        try:
            history = await self._history(conversation_id)
            await self._store.runs.create(
                run_id, conversation_id, message, chosen.name, client_msg_id
            )
            await self._store.conversations.add_message(conversation_id, "user", message, run_id)
        except BaseException:
            self._forget(handle)
            raise
        if on_created is not None:
            on_created(conversation_id)
        request = RunRequest(
            run_id=run_id,
            conversation_id=conversation_id,
            question=message,
            history=history,
            max_turns=max_turns or self._default_max_turns,
        )
        handle.task = asyncio.create_task(
            self._drive(handle, chosen, request), name=f"run-{run_id}"
        )
        return StartedRun(run_id, conversation_id, created=True)

    async def cancel(self, run_id: str, reason: str = "cancelled by user") -> bool:
        """Cancels a running run. False when it already finished (cancel is idempotent)."""
        handle = self._active.get(run_id)
        if handle is None:
            await self._store.runs.get(run_id)  # NotFoundError for unknown ids
            return False
        if handle.task is not None and not handle.task.done() and not handle.finishing:
            handle.cancel_reason = reason
            handle.task.cancel()
        return True

    async def wait(self, run_id: str) -> None:
        handle = self._active.get(run_id)
        if handle is not None and handle.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(handle.task)

    async def recover(self) -> int:
        """Marks runs a crash left unfinished as failed (`server_restart`). Returns how many."""
        count = 0
        for run in await self._store.runs.unfinished():
            handle = ActiveRunHandle(run.id, run.conversation_id, run.engine)
            handle.last_seq = await self._store.runs.last_seq(run.id)
            error = to_frame(
                RunError(
                    "server_restart",
                    "The server restarted while this run was in progress.",
                    "Ask again to start a new run.",
                    recoverable=False,
                ),
                run.id,
                run.conversation_id,
                handle.last_seq + 1,
            )
            handle.last_seq += 1
            terminal = self._terminal_frame(handle, "failed", "Run failed: the server restarted")
            await self._store.runs.append_events(
                run.id,
                [
                    PendingEvent(handle.last_seq - 1, "error", dump_frame(error)),
                    PendingEvent(handle.last_seq, "status", dump_frame(terminal)),
                ],
            )
            await self._store.runs.finish(
                run.id,
                "failed",
                error_code="server_restart",
                error_message="the server restarted while the run was in progress",
            )
            count += 1
        if count:
            log.warning("marked %d unfinished run(s) failed after a restart", count)
        return count

    async def shutdown(self, grace_s: float = 5.0) -> None:
        """Cancels every running run and waits until each recorded its terminal status."""
        tasks = []
        for handle in tuple(self._active.values()):
            if handle.task is not None and not handle.task.done() and not handle.finishing:
                handle.cancel_reason = "the server is shutting down"
                handle.task.cancel()
                tasks.append(handle.task)
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)

    # ------------------------------------------------------------------ the run task

    async def _drive(self, handle: ActiveRunHandle, engine: Engine, request: RunRequest) -> None:
        sink = _Sink(self, handle)
        status: RunStatus = "failed"
        error: RunError | None = None
        try:
            await self._status(handle, "initializing", "Initializing agent team...")
            await self._store.runs.set_status(handle.run_id, "running")
            handle.status = "running"
            await self._status(handle, "processing", "Agent team ready, processing query...")
            async with asyncio.timeout(self._run_timeout_s):
                await engine.run(request, sink)
            status = "completed" if handle.report is not None else "failed"
            if handle.report is None:
                error = RunError("engine_error", "The engine finished without a report.")
        except asyncio.CancelledError:
            # The root of the run's own task: the cancellation is recorded, not propagated.
            status = "cancelled"
        except TimeoutError:
            error = RunError(
                "run_timeout",
                f"The run took longer than {self._run_timeout_s:g} s and was stopped.",
                recoverable=False,
            )
        except CryptoDeskError as exc:
            error = RunError(exc.code, exc.message, exc.details, recoverable=False)
        except Exception:
            log.exception("run %s crashed", handle.run_id)
            error = RunError(
                "internal_error",
                "The run failed because of an internal error.",
                f"See the server log for run {handle.run_id}.",
                recoverable=False,
            )
        await self._finish(handle, status, error)

    async def _finish(
        self, handle: ActiveRunHandle, status: RunStatus, error: RunError | None
    ) -> None:
        """Records the end of a run. Everything is stored before the terminal frame is
        published, so a client that sees it can start the next run at once."""
        handle.finishing = True
        try:
            if handle.log is not None:
                await handle.log.flush()
            if error is not None:
                await self._emit(handle, RunError(error.code, error.message, error.details, False))
                status = "failed"
            messages = {
                "completed": "Analysis completed",
                "cancelled": f"Run cancelled: {handle.cancel_reason}",
                "failed": f"Run failed: {error.message if error else 'unknown error'}",
            }
            terminal = self._terminal_frame(handle, status, messages[status])
            text = dump_frame(terminal)
            await self._store.runs.append_event(handle.run_id, handle.last_seq, "status", text)
            report = handle.report
            if report is not None and status == "completed":
                await self._store.conversations.add_message(
                    handle.conversation_id, "assistant", report.content, handle.run_id
                )
            await self._store.runs.finish(
                handle.run_id,
                status,
                error_code=error.code if error else None,
                error_message=error.message if error else None,
                usage_json=_usage_json(report),
            )
            self._forget(handle)
            self._hub.publish(handle.conversation_id, handle.run_id, handle.last_seq, text)
        except Exception:
            log.exception("could not record the end of run %s", handle.run_id)
        finally:
            self._forget(handle)

    def _forget(self, handle: ActiveRunHandle) -> None:
        self._active.pop(handle.run_id, None)
        if self._by_conversation.get(handle.conversation_id) == handle.run_id:
            del self._by_conversation[handle.conversation_id]

    # ------------------------------------------------------------------ frames

    async def _emit(self, handle: ActiveRunHandle, event: DomainEvent) -> None:
        if isinstance(event, Report):
            handle.report = event
        frame = to_frame(event, handle.run_id, handle.conversation_id, handle.last_seq + 1)
        await self._append(handle, frame)

    async def _status(self, handle: ActiveRunHandle, status: StatusValue, message: str) -> None:
        frame = StatusFrame(
            status=status,
            message=message,
            run_id=handle.run_id,
            conversation_id=handle.conversation_id,
            seq=handle.last_seq + 1,
        )
        await self._append(handle, frame)

    def _terminal_frame(
        self, handle: ActiveRunHandle, status: RunStatus, message: str
    ) -> StatusFrame:
        handle.status = status
        handle.last_seq += 1
        return StatusFrame(
            status=status,
            message=message,
            final=True,
            run_id=handle.run_id,
            conversation_id=handle.conversation_id,
            seq=handle.last_seq,
        )

    async def _append(self, handle: ActiveRunHandle, frame: RunFrame) -> None:
        """Queues the frame in the run's log, which stores it and then publishes it."""
        seq = frame.seq
        if seq is None or handle.log is None:
            raise ValueError("run frames carry a seq and go to a live run's log")
        handle.last_seq = seq
        await handle.log.append(seq, frame.type, dump_frame(frame))

    async def _history(self, conversation_id: str) -> tuple[HistoryMessage, ...]:
        messages = await self._store.conversations.messages(conversation_id)
        return tuple(HistoryMessage(m.role, m.content) for m in messages[-HISTORY_MESSAGES:])


class _Sink:
    def __init__(self, manager: RunManager, handle: ActiveRunHandle) -> None:
        self._manager = manager
        self._handle = handle

    async def emit(self, event: DomainEvent) -> None:
        await self._manager._emit(self._handle, event)


def _status(value: str) -> RunStatus:
    statuses: dict[str, RunStatus] = {
        "pending": "pending",
        "running": "running",
        "completed": "completed",
        "cancelled": "cancelled",
        "failed": "failed",
    }
    return statuses.get(value, "failed")


def _usage_json(report: Report | None) -> str | None:
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
