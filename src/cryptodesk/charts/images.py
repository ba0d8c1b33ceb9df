"""Stored charts as PNG images, rendered off the event loop and kept in a bounded memory cache."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from cryptodesk.charts.render import render_png
from cryptodesk.charts.spec import ChartSpec

DEFAULT_MAX_ENTRIES = 32


class StoredChart(Protocol):
    @property
    def spec(self) -> str:
        """The chart spec as JSON."""
        ...


class ChartSource(Protocol):
    async def get(self, chart_id: str) -> StoredChart:
        """The stored chart; raises `NotFoundError` for an unknown id."""
        ...


class ChartImages:
    """PNGs of stored charts, the `max_entries` most recently served ones cached by chart id.

    A spec never changes once stored, so a cached image stays right; the chart is still looked up
    on every request, so a deleted chart is a 404 and not a stale image.
    """

    def __init__(
        self,
        charts: ChartSource,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        render: Callable[[ChartSpec], bytes] = render_png,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._charts = charts
        self._max_entries = max_entries
        self._render = render
        self._cache: OrderedDict[str, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._cache)

    async def png(self, chart_id: str) -> bytes:
        stored = await self._charts.get(chart_id)
        cached = self._cache.get(chart_id)
        if cached is not None:
            self._cache.move_to_end(chart_id)
            return cached
        spec = ChartSpec.model_validate_json(stored.spec)
        image = await asyncio.to_thread(self._render, spec)
        self._cache[chart_id] = image
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return image
