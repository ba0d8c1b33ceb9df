"""A scripted engine that streams until told to stop: its frames fill the store.

`on_step(i)` runs on the server's event loop after step `i` (tests cap the database or fill
the disk there); the run ends with a report after `steps` steps, if its frames can be stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cryptodesk.domain.events import AgentStep, EventSink, Report
from cryptodesk.engines.base import RunRequest


@dataclass
class FillingEngine:
    steps: int = 400
    delta_bytes: int = 2000
    pause_s: float = 0.01
    on_step: Callable[[int], Awaitable[None]] | None = None
    name: str = "filling"

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        for i in range(1, self.steps + 1):
            await sink.emit(
                AgentStep(
                    "CryptoMarketAnalyst",
                    "📊",
                    "working",
                    f"step {i}",
                    f"s{i}",
                    "x" * self.delta_bytes,
                )
            )
            if self.on_step is not None:
                await self.on_step(i)
            await asyncio.sleep(self.pause_s)
        await sink.emit(Report("# Filled", ("CryptoMarketAnalyst",), (), self.name))
