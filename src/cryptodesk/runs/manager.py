"""The run manager: every run is a server-owned task, independent of any socket.

The manager drives the engine and decides how a run ends; the run's log (`eventlog.RunLog`)
writes every frame: it numbers, stores and publishes them to every subscriber of the
conversation. Exactly one terminal status ends each run: `completed`, `cancelled` (cancel,
shutdown) or `failed` (error, timeout, server restart, frames that could not be stored, an
owner that stopped answering).

With several replicas on one database, the replica that accepts a `chat` owns the run under a
lease (`owner`, renewed by `renew_leases`); the other replicas see it through the database:
`active_run`, `state` and `cancel` work for any run, wherever it runs. Runs whose owner died are
ended by whoever claims them (`end_orphans`, the reaper in `cluster.replica`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from cryptodesk.domain.events import RunError
from cryptodesk.engines.base import Engine, HistoryMessage, RunRequest
from cryptodesk.errors import CryptoDeskError, LeaseLostError, RunActiveError
from cryptodesk.realtime.hub import Hub
from cryptodesk.realtime.protocol import TERMINAL_STATUSES, RunStatus
from cryptodesk.runs.eventlog import RunLog, TerminalStatus
from cryptodesk.runs.handles import (
    ActiveRunHandle,
    ActiveRunState,
    ConversationRuns,
    RunSink,
    StartedRun,
    run_status,
    usage_json,
)
from cryptodesk.store.ids import new_id
from cryptodesk.store.records import StoredEvent
from cryptodesk.store.runleases import Claim
from cryptodesk.store.runs import DEFAULT_LEASE_S
from cryptodesk.store.store import Store

log = logging.getLogger(__name__)

HISTORY_MESSAGES = 20


EngineFactory = Callable[[str | None], Engine]
Released = Callable[[str, str, int], None]
"""A run this process no longer writes (ended, or taken over by another replica): run id,
conversation id and the last `seq` its local subscribers got from it."""


class RunManager:
    def __init__(
        self,
        store: Store,
        hub: Hub,
        engine_for: EngineFactory,
        *,
        run_timeout_s: float,
        default_max_turns: int,
        owner: str = "local",
        lease_s: float = DEFAULT_LEASE_S,
        before_start: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._hub = hub
        self._engine_for = engine_for
        self._run_timeout_s = run_timeout_s
        self._default_max_turns = default_max_turns
        self.owner = owner
        """This process, as the runs it owns name it."""
        self.lease_s = lease_s
        """How long a lease of one of its runs lasts unless renewed."""
        self._before_start = before_start
        """Runs before each new run (a replica makes sure its settings are current)."""
        self.released: Released | None = None
        self._active: dict[str, ActiveRunHandle] = {}
        self._by_conversation: dict[str, str] = {}
        self._unsettled: dict[str, RunLog] = {}
        """Ended runs whose last frames are only in memory (storing failed); replay reads them."""

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
        """The conversation's run in progress in this process."""
        run_id = self._by_conversation.get(conversation_id)
        return self._active.get(run_id) if run_id else None

    def owns(self, run_id: str) -> bool:
        """Whether this process writes the run (its frames reach local subscribers directly)."""
        return run_id in self._active

    async def active_run(self, conversation_id: str) -> ActiveRunState | None:
        """The conversation's unfinished run, here or on another replica."""
        handle = self.active_for_conversation(conversation_id)
        if handle is not None:
            return ActiveRunState(handle.run_id, handle.status, handle.last_seq)
        run = await self._store.runs.active_in(conversation_id)
        if run is None:
            return None
        return ActiveRunState(run.id, run_status(run.status), run.last_seq)

    async def conversation_runs(self, conversation_id: str) -> ConversationRuns:
        """The conversation's unfinished run (here or on another replica) and the runs that
        have ended, from one read."""
        handle = self.active_for_conversation(conversation_id)
        active = ActiveRunState(handle.run_id, handle.status, handle.last_seq) if handle else None
        ended: set[str] = set()
        for run_id, status, last_seq in await self._store.runs.states_in(conversation_id):
            if run_status(status) in TERMINAL_STATUSES:
                ended.add(run_id)
            elif active is None:
                active = ActiveRunState(run_id, run_status(status), last_seq)
        if handle is not None:
            ended.discard(handle.run_id)  # ending here right now: its end is still to come
        return ConversationRuns(active, frozenset(ended))

    async def state(self, run_id: str) -> tuple[RunStatus, int]:
        run_log = self._log(run_id)
        if run_log is not None:
            return run_log.status, run_log.last_seq
        run = await self._store.runs.get(run_id)
        return run_status(run.status), run.last_seq

    async def events_after(
        self, run_id: str, after_seq: int, limit: int | None = None
    ) -> list[StoredEvent]:
        """A run's frames after `after_seq`, from the store and, when storing failed, from
        the run's log, which holds what the store lacks."""
        run_log = self._log(run_id)
        # Taken before the store is read: frames stored meanwhile then come from the store.
        tail = run_log.unstored_after(after_seq) if run_log is not None else []
        stored = list(await self._store.runs.events_after(run_id, after_seq, limit))
        if not tail or (limit is not None and len(stored) >= limit):
            return stored
        last = stored[-1].seq if stored else after_seq
        merged = stored + [e for e in tail if e.seq > last]
        return merged[:limit] if limit is not None else merged

    def _log(self, run_id: str) -> RunLog | None:
        handle = self._active.get(run_id)
        return handle.log if handle is not None else self._unsettled.get(run_id)

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
        if self._before_start is not None:
            await self._before_start()
        if client_msg_id is not None:
            earlier = await self._store.runs.find_by_client_msg_id(conversation_id, client_msg_id)
            if earlier is not None:
                if on_created is not None:
                    on_created(earlier.conversation_id)
                return StartedRun(earlier.id, earlier.conversation_id, created=False)
        chosen = self._engine_for(engine)
        run_id = new_id()
        history: tuple[HistoryMessage, ...] = ()
        if conversation_id is None:
            run = await self._store.runs.begin(
                run_id,
                None,
                message,
                chosen.name,
                client_msg_id,
                owner=self.owner,
                lease_s=self.lease_s,
            )
            conversation_id = run.conversation_id
            handle = self._claim(run_id, conversation_id, chosen.name)
        else:
            await self._store.conversations.get(conversation_id)  # NotFoundError
            # Claimed before any further await, so two chats here cannot both start; the
            # database refuses a second unfinished run started by another replica.
            handle = self._claim(run_id, conversation_id, chosen.name)
            try:
                history = await self._history(conversation_id)
                await self._store.runs.begin(
                    run_id,
                    conversation_id,
                    message,
                    chosen.name,
                    client_msg_id,
                    owner=self.owner,
                    lease_s=self.lease_s,
                )
            except BaseException:
                self._forget(handle)
                raise
        handle.created = True
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

    def _claim(self, run_id: str, conversation_id: str, engine_name: str) -> ActiveRunHandle:
        busy = self.active_for_conversation(conversation_id)
        if busy is not None:
            raise RunActiveError(conversation_id, busy.run_id)
        run_log = RunLog(self._store.runs, self._hub, self, run_id, conversation_id)
        handle = ActiveRunHandle(run_id, conversation_id, engine_name, run_log)
        self._active[run_id] = handle
        self._by_conversation[conversation_id] = run_id
        return handle

    async def cancel(self, run_id: str, reason: str = "cancelled by user") -> bool:
        """Cancels a running run, here or (through the database) on the replica that runs it.
        False when it already finished (cancel is idempotent); `NotFoundError` for unknown
        ids."""
        handle = self._active.get(run_id)
        if handle is None:
            return await self._store.run_leases.request_cancel(run_id)
        self._stop(handle, reason)
        return True

    def _stop(self, handle: ActiveRunHandle, reason: str) -> None:
        if handle.task is not None and not handle.task.done() and not handle.finishing:
            handle.cancel_reason = reason
            handle.task.cancel()

    async def wait(self, run_id: str) -> None:
        handle = self._active.get(run_id)
        if handle is not None and handle.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(handle.task)

    async def renew_leases(self) -> None:
        """Extends the leases of this process's runs. A run another replica has taken over
        (this process was paused or cut off past its lease) stops here without an end of its
        own; a run someone asked to cancel elsewhere is cancelled."""
        known = [h for h in self._active.values() if h.created]
        renewed = await self._store.run_leases.renew(self.owner, self.lease_s)
        for handle in known:
            if self._active.get(handle.run_id) is not handle or handle.finishing:
                continue
            if handle.run_id not in renewed:
                log.warning("run %s was taken over by another server: stopping it", handle.run_id)
                handle.log.fence()
                self._stop(handle, "another server took it over")
            elif renewed[handle.run_id]:
                self._stop(handle, "cancelled by user")

    async def end_orphans(self, claims: list[Claim], error: RunError) -> int:
        """Ends runs this process claimed from a dead (or stalled) owner: `failed` with
        `error`, through their logs like any other end, with the claim's epoch. Returns how
        many ended."""
        ended = 0
        for claim in claims:
            last_seq = await self._store.runs.last_seq(claim.run_id)
            run_log = RunLog(
                self._store.runs,
                self._hub,
                self,
                claim.run_id,
                claim.conversation_id,
                last_seq=last_seq,
                epoch=claim.epoch,
            )
            try:
                await run_log.end("failed", error=error)
            except LeaseLostError:  # yet another replica claimed it meanwhile: theirs to end
                continue
            ended += 1
        if ended:
            log.warning("ended %d run(s) whose server stopped: %s", ended, error.code)
        return ended

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
        for run_log in tuple(self._unsettled.values()):
            await run_log.close()
        self._unsettled.clear()

    # ------------------------------------------------------------------ what the logs tell

    def storage_failed(self, run_log: RunLog) -> None:
        """The run's frames cannot be stored: stop the run (its log ends it `failed`)."""
        handle = self._active.get(run_log.run_id)
        if handle is not None:
            self._stop(handle, "its frames could not be stored")

    def lease_lost(self, run_log: RunLog) -> None:
        """Another replica took the run over: stop it here (its log writes no end)."""
        handle = self._active.get(run_log.run_id)
        if handle is not None:
            self._stop(handle, "another server took it over")

    def cancel_requested(self, run_log: RunLog) -> None:
        """A cancel arrived through the database (from another replica)."""
        handle = self._active.get(run_log.run_id)
        if handle is not None:
            self._stop(handle, "cancelled by user")

    def ended(self, run_log: RunLog) -> None:
        """The terminal frame is about to be published (or, for a run taken over, was written
        elsewhere): the conversation is free again here."""
        handle = self._active.get(run_log.run_id)
        if handle is not None:
            self._forget(handle)
        if not run_log.settled and not run_log.lost:
            self._unsettled[run_log.run_id] = run_log
        if self.released is not None:
            seen = run_log.stored_seq if run_log.lost else run_log.last_seq
            self.released(run_log.run_id, run_log.conversation_id, seen)

    def settled(self, run_log: RunLog) -> None:
        self._unsettled.pop(run_log.run_id, None)

    # ------------------------------------------------------------------ the run task

    async def _drive(self, handle: ActiveRunHandle, engine: Engine, request: RunRequest) -> None:
        run_log = handle.log
        status: TerminalStatus = "failed"
        error: RunError | None = None
        try:
            await run_log.announce("initializing", "Initializing agent team...")
            await run_log.mark_running()
            await run_log.announce("processing", "Agent team ready, processing query...")
            async with asyncio.timeout(self._run_timeout_s):
                await engine.run(request, RunSink(handle))
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
        self, handle: ActiveRunHandle, status: TerminalStatus, error: RunError | None
    ) -> None:
        """Asks the log to end the run; its status comes back (`failed` if storing failed)."""
        handle.finishing = True
        report = handle.report
        try:
            await handle.log.end(
                status,
                error=error,
                cancel_reason=handle.cancel_reason,
                answer=report.content if report is not None else None,
                usage_json=usage_json(report),
            )
        except Exception:
            log.exception("could not record the end of run %s", handle.run_id)
        finally:
            self._forget(handle)

    def _forget(self, handle: ActiveRunHandle) -> None:
        self._active.pop(handle.run_id, None)
        if self._by_conversation.get(handle.conversation_id) == handle.run_id:
            del self._by_conversation[handle.conversation_id]

    async def _history(self, conversation_id: str) -> tuple[HistoryMessage, ...]:
        messages = await self._store.conversations.messages(conversation_id)
        return tuple(HistoryMessage(m.role, m.content) for m in messages[-HISTORY_MESSAGES:])
