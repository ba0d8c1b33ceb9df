"""What a tool may touch besides market data (where charts are kept), and which tool call is
running (so a value can name the call that produced it)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol


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


@dataclass(frozen=True, slots=True)
class CallRef:
    """One tool call of a run: what the `tool_call` and `tool_result` frames of it carry."""

    tool_name: str
    call_id: str


current_call: ContextVar[CallRef | None] = ContextVar("current_call", default=None)
"""The tool call running in this task; the invoker sets it around each call. Concurrent calls
each run in their own task, so each sees its own."""
