"""The TechnicalAnalyst 📈: candles, indicators, patterns, support and resistance, signals."""

from __future__ import annotations

from cryptodesk.engines.magentic.agentspec import COMMON_RULES, AgentSpec

SPEC = AgentSpec(
    name="TechnicalAnalyst",
    description=(
        "Computes indicators (RSI, MACD, moving averages, Bollinger, ATR, ADX, stochastic, OBV, "
        "VWAP), support and resistance levels, candlestick patterns and the trend of a coin on "
        "a timeframe."
    ),
    instructions=(
        "You are the TechnicalAnalyst of a crypto research desk. Use compute_indicators, "
        "find_key_levels and detect_patterns on the coin and timeframe you are given (default "
        "4h), then assess_outlook on the same coin and timeframe, and state its bias, the "
        "nearest support and resistance and the invalidation level exactly as it returns them. "
        "Describe signals and scenarios, never give financial advice. " + COMMON_RULES
    ),
    tools=(
        "compute_indicators",
        "find_key_levels",
        "detect_patterns",
        "assess_outlook",
        "get_ohlc",
    ),
)
