"""The agent roster (ARCHITECTURE.md): names and emojis both engines use."""

from __future__ import annotations

from typing import Literal

AgentName = Literal[
    "Orchestrator",
    "CryptoMarketAnalyst",
    "TechnicalAnalyst",
    "ChartingAgent",
    "ExchangeAnalyst",
    "ReportWriter",
]

EMOJIS: dict[AgentName, str] = {
    "Orchestrator": "🧭",
    "CryptoMarketAnalyst": "📊",
    "TechnicalAnalyst": "📈",
    "ChartingAgent": "🖼️",
    "ExchangeAnalyst": "🏦",
    "ReportWriter": "📝",
}
