"""A scripted engine for the fan-out benchmarks: a burst of streamed text deltas, no pauses,
or (a question `deltas=N pause=S`) a paced stream, one delta every S seconds."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from cryptodesk.domain.events import AgentStep, EventSink, Report
from cryptodesk.engines.base import RunRequest

MEASURED_QUESTION = "stream the deltas"
PACED = re.compile(r"deltas=(\d+) pause=([0-9.]+)")


def paced_question(deltas: int, pause_s: float) -> str:
    return f"deltas={deltas} pause={pause_s}"


@dataclass
class DeltaEngine:
    """Emits `deltas` AgentStep deltas of `delta_bytes` for MEASURED_QUESTION, none otherwise.

    The short runs let a benchmark create a conversation before it measures one on it.
    """

    deltas: int
    delta_bytes: int = 200
    name: str = "bench-deltas"

    async def run(self, request: RunRequest, sink: EventSink) -> None:
        count = self.deltas if request.question == MEASURED_QUESTION else 0
        pause_s = 0.0
        if paced := PACED.fullmatch(request.question):
            count, pause_s = int(paced.group(1)), float(paced.group(2))
        text = "x" * self.delta_bytes
        for _ in range(count):
            await sink.emit(AgentStep("ReportWriter", "📝", "working", "", "s1", text))
            if pause_s:
                await asyncio.sleep(pause_s)
        await sink.emit(Report(f"{count} deltas streamed", ("ReportWriter",), (), self.name))
