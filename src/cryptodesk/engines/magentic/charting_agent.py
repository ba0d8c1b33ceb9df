"""The ChartingAgent 🖼️: candlestick charts with indicators and levels drawn on them."""

from __future__ import annotations

from cryptodesk.engines.magentic.agentspec import COMMON_RULES, AgentSpec

SPEC = AgentSpec(
    name="ChartingAgent",
    description=(
        "Draws a candlestick chart of a coin on a timeframe with indicators, support and "
        "resistance levels and candlestick patterns; the user sees it in the browser."
    ),
    instructions=(
        "You are the ChartingAgent of a crypto research desk. Call create_chart once for the "
        "coin and timeframe you are given, with the indicators asked for (default: SMA, "
        "Bollinger, RSI) and levels, then reply with the chart's title in one sentence. "
        + COMMON_RULES
    ),
    tools=("create_chart",),
)
