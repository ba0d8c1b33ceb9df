"""Runs tool calls for agents: validation, timeout, redaction and the tool events."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from cryptodesk.domain.events import EventSink, ToolCalled, ToolFinished
from cryptodesk.domain.format import clip
from cryptodesk.errors import CryptoDeskError
from cryptodesk.redaction import redact_arguments
from cryptodesk.tools.base import PREVIEW_LIMIT, ToolContext, ToolResult
from cryptodesk.tools.context import CallRef, current_call
from cryptodesk.tools.registry import ToolRegistry

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    call_id: str
    tool_name: str
    success: bool
    result: ToolResult | None
    error: str | None
    preview: str
    duration_ms: int


class ToolInvoker:
    """Calls tools on behalf of agents and reports each call as `ToolCalled` + `ToolFinished`.

    A failing tool (bad arguments, market error, timeout) becomes a failed outcome, never an
    exception; `asyncio.CancelledError` propagates.
    """

    def __init__(
        self, registry: ToolRegistry, context: ToolContext, sink: EventSink, timeout_s: float
    ) -> None:
        self._registry = registry
        self._context = context
        self._sink = sink
        self._timeout_s = timeout_s

    @property
    def context(self) -> ToolContext:
        return self._context

    async def call(
        self, agent: str, tool_name: str, arguments: Mapping[str, object]
    ) -> ToolOutcome:
        call_id = uuid.uuid4().hex
        await self._sink.emit(ToolCalled(agent, tool_name, redact_arguments(arguments), call_id))
        started = time.perf_counter()
        result: ToolResult | None = None
        error: str | None = None
        running = current_call.set(CallRef(tool_name, call_id))
        try:
            tool = self._registry.get(tool_name)
            async with asyncio.timeout(self._timeout_s):
                result = await tool.invoke(self._context, arguments)
        except TimeoutError:
            error = f"{tool_name} timed out after {self._timeout_s:g} s"
        except CryptoDeskError as e:
            # The plain message is what agents, the timeline and the report show; the
            # technical details (exception text, URLs, errnos) go to the log only.
            logger.info("tool %s failed (run %s): %s", tool_name, self._context.run_id, e.logged())
            error = e.message
        except Exception:
            # A defect in a tool must not take the whole run down; it is logged and reported.
            # Its message stays in the log: it may quote what the request carried (a key).
            logger.exception("tool %s failed (run %s)", tool_name, self._context.run_id)
            error = f"{tool_name} failed because of an internal error (see the server log)"
        finally:
            current_call.reset(running)
        duration_ms = round((time.perf_counter() - started) * 1000)
        preview = result.preview() if result is not None else clip(f"error: {error}", PREVIEW_LIMIT)
        await self._sink.emit(
            ToolFinished(
                tool_name=tool_name,
                call_id=call_id,
                success=result is not None,
                result_preview=preview,
                duration_ms=duration_ms,
                error=error,
            )
        )
        if result is not None:
            for event in result.events():
                await self._sink.emit(event)
        return ToolOutcome(
            call_id, tool_name, result is not None, result, error, preview, duration_ms
        )
