"""Follow-up analyses: a normal run the server starts in the rule's (or schedule's)
conversation, linked to the firing; when it ends, its bottom line joins the firing's message and
the deliveries go to the outbox.

Everything is read back from the database: a firing waits in `awaiting_run` until its run has
ended, whoever started it. If the process that ran it died, start-up recovery ended the run
`failed`, and the firing is delivered saying so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptodesk.errors import CryptoDeskError, NotFoundError, RunActiveError
from cryptodesk.runs.manager import RunManager
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import Firing
from cryptodesk.watch.messages import with_answer

log = logging.getLogger(__name__)

FINISHED = frozenset({"completed", "failed", "cancelled"})
START_GRACE_S = 120.0
"""A firing still without a run after this long was left by a process that died before it
started the analysis."""
BOTTOM_LINE_CHARS = 600


class FollowUps:
    def __init__(self, store: Store, runs: Callable[[], RunManager]) -> None:
        self._store = store
        self._runs = runs

    async def start(self, firing_id: str, question: str, conversation_id: str | None) -> str | None:
        """Starts the analysis (in a new conversation when the given one is gone or busy);
        returns the conversation it runs in, or None when it could not start."""
        runs = self._runs()
        try:
            try:
                started = await runs.start(question, conversation_id=conversation_id)
            except (NotFoundError, RunActiveError) as exc:
                log.info("follow-up of %s: %s; a new conversation instead", firing_id, exc.message)
                started = await runs.start(question)
        except CryptoDeskError as exc:
            log.warning("follow-up of %s could not start: %s", firing_id, exc.message)
            await self._store.firings.link_run(firing_id, None, conversation_id, exc.message)
            return None
        await self._store.firings.link_run(firing_id, started.run_id, started.conversation_id, None)
        return started.conversation_id

    async def settle(self) -> int:
        """Delivers the firings whose analysis ended; how many."""
        settled = 0
        for firing in await self._store.firings.awaiting():
            outcome = await self._outcome(firing)
            if outcome is None:
                continue
            bottom_line, error = outcome
            message = with_answer(firing.message, bottom_line, error)
            if await self._store.firings.settle(firing.id, message, error):
                settled += 1
        return settled

    async def _outcome(self, firing: Firing) -> tuple[str | None, str | None] | None:
        """(bottom line, error) once the analysis ended; None while it runs."""
        if firing.run_id is None:
            if firing.follow_up_error is not None:
                return None, firing.follow_up_error
            age = datetime.now(UTC) - firing.updated_at
            if age < timedelta(seconds=START_GRACE_S):
                return None
            return None, "the analysis did not start (the server stopped first)"
        try:
            run = await self._store.runs.get(firing.run_id)
        except NotFoundError:
            return None, "the analysis was deleted with its conversation"
        if run.status not in FINISHED:
            return None
        if run.status != "completed":
            return None, run.error_message or f"the analysis {run.status}"
        return bottom_line(await self._store.runs.result_frames([run.id]), run.id), None


def bottom_line(frames: dict[str, str], run_id: str) -> str | None:
    """The answer's bottom line (or the start of its report) from its stored `result` frame."""
    raw = frames.get(run_id)
    if raw is None:
        return None
    frame = json.loads(raw)
    text = frame.get("bottom_line") or frame.get("content") or ""
    text = " ".join(str(text).split())
    return text[: BOTTOM_LINE_CHARS - 1] + "…" if len(text) > BOTTOM_LINE_CHARS else text or None
