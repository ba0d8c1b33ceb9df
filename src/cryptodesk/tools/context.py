"""What a tool may touch besides market data: where charts are kept."""

from __future__ import annotations

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
