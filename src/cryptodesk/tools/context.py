"""What a tool may touch besides market data (where charts are kept), and which tool call is
running (so a value can name the call that produced it)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cryptodesk.rules.conditions import Condition
    from cryptodesk.store.watch_records import AlertRule, WatchEntry


class ChartStore(Protocol):
    async def save_chart(
        self,
        *,
        run_id: str,
        conversation_id: str,
        symbol: str,
        interval: str,
        title: str,
        spec: dict[str, Any],
    ) -> str:
        """Stores a chart spec and returns its new opaque chart id."""
        ...


class WatchBook(Protocol):
    """What the chat may do to the watcher: propose an alert (inactive until the person
    confirms it), confirm the conversation's proposals on the person's own "yes", and change
    the watchlist."""

    async def propose(
        self, symbol: str, condition: Condition, *, conversation_id: str, run_id: str
    ) -> AlertRule: ...

    async def confirm(self, conversation_id: str) -> list[AlertRule]: ...

    async def watch(self, symbol: str) -> tuple[WatchEntry, bool]: ...

    async def unwatch(self, symbol: str) -> WatchEntry: ...


@dataclass(frozen=True, slots=True)
class CallRef:
    """One tool call of a run: what the `tool_call` and `tool_result` frames of it carry."""

    tool_name: str
    call_id: str


current_call: ContextVar[CallRef | None] = ContextVar("current_call", default=None)
"""The tool call running in this task; the invoker sets it around each call. Concurrent calls
each run in their own task, so each sees its own."""
