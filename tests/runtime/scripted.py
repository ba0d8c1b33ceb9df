"""A scripted engine for runtime tests: paced steps and a tool call that stays in flight.

It stands in for an engine whose tools wait on a slow upstream, so cancellation, resume and
fan-out can be observed mid-run. It records what happened to its in-flight tool call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from cryptodesk.domain.events import (
    AgentStep,
    EventSink,
    Progress,
    Report,
    ToolCalled,
    ToolFinished,
)
from cryptodesk.engines.base import RunRequest


@dataclass
class ScriptedEngine:
    steps: int = 5
    pause_s: float = 0.05
    tool_wait_s: float = 0.0
    delta_bytes: int = 0
    deltas_per_step: int = 0
    name: str = "scripted"
    cancelled_tools: list[str] = field(default_factory=list)
    started: asyncio.Event | None = None

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        for i in range(1, self.steps + 1):
            step_id = f"s{i}"
            await sink.emit(AgentStep("CryptoMarketAnalyst", "📊", "working", f"step {i}", step_id))
            await sink.emit(Progress(i, self.steps))
            for _ in range(self.deltas_per_step):
                await sink.emit(
                    AgentStep(
                        "CryptoMarketAnalyst", "📊", "working", "", step_id, "x" * self.delta_bytes
                    )
                )
            call_id = f"c{i}"
            await sink.emit(ToolCalled("CryptoMarketAnalyst", "get_crypto_price", {}, call_id))
            try:
                await asyncio.sleep(self.tool_wait_s if i == 1 else self.pause_s)
            except asyncio.CancelledError:
                self.cancelled_tools.append(call_id)
                raise
            await sink.emit(ToolFinished("get_crypto_price", call_id, True, f"result {i}", 1))
            await sink.emit(AgentStep("CryptoMarketAnalyst", "📊", "completed", "done", step_id))
        await sink.emit(
            Report(
                f"# Scripted answer to: {request.question}",
                ("CryptoMarketAnalyst",),
                (),
                "scripted",
            )
        )
