"""Small in-memory stand-ins for the runtime's sink and chart store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptodesk.domain.events import DomainEvent


@dataclass
class RecordingSink:
    events: list[DomainEvent] = field(default_factory=list)

    async def emit(self, event: DomainEvent) -> None:
        self.events.append(event)

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


@dataclass
class MemoryChartStore:
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)

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
        chart_id = f"chart-{len(self.specs) + 1}"
        self.specs[chart_id] = spec
        return chart_id
