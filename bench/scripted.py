"""A scripted engine for the fan-out benchmark: a burst of streamed text deltas, no pauses."""

from __future__ import annotations

from dataclasses import dataclass

from cryptodesk.domain.events import AgentStep, EventSink, Report
from cryptodesk.engines.base import RunRequest

MEASURED_QUESTION = "stream the deltas"


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
        text = "x" * self.delta_bytes
        for _ in range(count):
            await sink.emit(AgentStep("ReportWriter", "📝", "working", "", "s1", text))
        await sink.emit(Report(f"{count} deltas streamed", ("ReportWriter",), (), self.name))
