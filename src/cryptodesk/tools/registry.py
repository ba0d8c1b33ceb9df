"""The registry of typed tools, shared by the offline analyst and the LLM team."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cryptodesk.errors import ToolError
from cryptodesk.tools.base import AnyTool, ToolContext, ToolResult
from cryptodesk.tools.charts import CHART_TOOL
from cryptodesk.tools.comparison import COMPARE_TOOL, COMPARISON_CHART_TOOL
from cryptodesk.tools.exchange import (
    BALANCES_TOOL,
    FUNDING_TOOL,
    OPEN_ORDERS_TOOL,
    ORDER_BOOK_TOOL,
)
from cryptodesk.tools.history import HISTORY_TOOL
from cryptodesk.tools.market import (
    OHLC_TOOL,
    OVERVIEW_TOOL,
    PRICE_TOOL,
    SEARCH_TOOL,
    TRENDING_TOOL,
)
from cryptodesk.tools.outlook import OUTLOOK_TOOL
from cryptodesk.tools.technical import INDICATORS_TOOL, LEVELS_TOOL, PATTERNS_TOOL
from cryptodesk.tools.watch import CONFIRM_TOOL, PROPOSE_TOOL, UNWATCH_TOOL, WATCH_TOOL

__all__ = ["ToolContext", "ToolRegistry", "ToolResult", "build_registry"]


class ToolRegistry:
    def __init__(self, tools: Iterable[AnyTool] = ()) -> None:
        self._tools: dict[str, AnyTool] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: AnyTool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is already registered")
        self._tools[tool.name] = tool

    def get(self, name: str) -> AnyTool:
        tool = self._tools.get(name)
        if tool is None:
            raise ToolError(f"unknown tool {name!r} (available: {', '.join(self._tools)})")
        return tool

    def names(self) -> tuple[str, ...]:
        return tuple(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """Name, description and JSON Schemas of arguments and result of every tool."""
        return [
            {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.args_schema(),
                "result": tool.result_schema(),
            }
            for tool in self._tools.values()
        ]


def build_registry() -> ToolRegistry:
    """The registry of every tool this version has."""
    return ToolRegistry(
        (
            PRICE_TOOL,
            OHLC_TOOL,
            HISTORY_TOOL,
            COMPARE_TOOL,
            OVERVIEW_TOOL,
            TRENDING_TOOL,
            SEARCH_TOOL,
            INDICATORS_TOOL,
            LEVELS_TOOL,
            PATTERNS_TOOL,
            OUTLOOK_TOOL,
            CHART_TOOL,
            COMPARISON_CHART_TOOL,
            ORDER_BOOK_TOOL,
            FUNDING_TOOL,
            BALANCES_TOOL,
            OPEN_ORDERS_TOOL,
            PROPOSE_TOOL,
            CONFIRM_TOOL,
            WATCH_TOOL,
            UNWATCH_TOOL,
        )
    )
