"""Which agent does which tool calls for an intent: the offline orchestrator's plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptodesk.analysis.indicators import DEFAULT_INDICATORS, IndicatorName
from cryptodesk.engines.offline.intent import Intent
from cryptodesk.engines.roster import AgentName
from cryptodesk.errors import UnsupportedTimeframeError
from cryptodesk.market.catalog import COINS
from cryptodesk.market.schemas import parse_timeframe, timeframe_seconds
from cryptodesk.tools.charts import CHART_INDICATORS
from cryptodesk.tools.market import MAX_CANDLES, PERIOD_SECONDS

TECHNICAL_CANDLES = 300
"""Enough for SMA200 plus a hundred candles of context."""
OVERVIEW_COINS = 8
PATTERN_LOOKBACK = 20
"""Recent candles searched for candlestick patterns, in the report and on the chart."""


@dataclass(frozen=True, slots=True)
class PlannedCall:
    tool: str
    arguments: dict[str, object]


@dataclass(frozen=True, slots=True)
class AgentTask:
    agent: AgentName
    instruction: str
    calls: tuple[PlannedCall, ...]
    fallback: AgentTask | None = None
    """Run (as a turn of its own) when the first call of this task fails."""


def technical_limit(intent: Intent) -> int:
    if intent.period is None:
        return TECHNICAL_CANDLES
    try:
        step = timeframe_seconds(parse_timeframe(intent.timeframe))
    except UnsupportedTimeframeError:
        return TECHNICAL_CANDLES
    wanted = PERIOD_SECONDS[intent.period] // step + 1
    return min(max(wanted, TECHNICAL_CANDLES), MAX_CANDLES)


def _with_asked(base: Sequence[IndicatorName], intent: Intent) -> list[IndicatorName]:
    return list(dict.fromkeys((*base, *intent.indicators)))


def _label(query: str, intent: Intent) -> str:
    coin = next((c for c in intent.coins if c.id == query), None)
    return f"{coin.name} ({coin.symbol})" if coin else query


def _price_list(available: Sequence[str]) -> AgentTask:
    top = [coin.id for coin in COINS if coin.id in available][:OVERVIEW_COINS]
    return AgentTask(
        "CryptoMarketAnalyst",
        "Get current prices and 24h changes of the largest coins for a market overview.",
        tuple(PlannedCall("get_crypto_price", {"coin": coin}) for coin in top),
    )


def _overview(intent: Intent, available: Sequence[str], directory: bool) -> AgentTask:
    """The market overview (and trending coins) from the live directory when the mode has one,
    else (or when it fails) the prices of the largest coins one by one."""
    if not directory:
        return _price_list(available)
    calls = [PlannedCall("get_market_overview", {"limit": OVERVIEW_COINS})]
    if intent.trending:
        calls.append(PlannedCall("get_trending", {}))
    trending = " and the coins trending now" if intent.trending else ""
    return AgentTask(
        "CryptoMarketAnalyst",
        f"Get the market overview: the largest coins, total market cap and dominance{trending}.",
        tuple(calls),
        fallback=_price_list(available),
    )


def _exchange_tasks(intent: Intent, exchange: str) -> list[AgentTask]:
    tasks: list[AgentTask] = []
    symbols = [*(coin.symbol for coin in intent.coins), *intent.unknown_coins]
    for symbol in symbols if intent.exchange else ():
        tasks.append(
            AgentTask(
                "ExchangeAnalyst",
                f"Read the {symbol} order book (spread, depth) and the funding rate and open "
                f"interest of its perpetual on {exchange}.",
                (
                    PlannedCall("get_order_book", {"symbol": symbol}),
                    PlannedCall("get_funding_rate", {"coin": symbol}),
                ),
            )
        )
    if intent.account:
        orders = [PlannedCall("get_open_orders", {"symbol": symbol}) for symbol in symbols]
        tasks.append(
            AgentTask(
                "ExchangeAnalyst",
                f"Read the balances and open orders of the {exchange} account (read-only).",
                (
                    PlannedCall("get_balances", {}),
                    *(orders or [PlannedCall("get_open_orders", {})]),
                ),
            )
        )
    return tasks


def plan(
    intent: Intent,
    available: Sequence[str],
    *,
    directory: bool = False,
    exchange: str = "the exchange",
) -> tuple[AgentTask, ...]:
    """The agent turns that answer `intent`, in order; the ReportWriter's turn is not included.

    `directory`: the market mode can serve the overview and trending tools (live, auto).
    `exchange`: the configured exchange's name, for the ExchangeAnalyst's instructions.
    """
    tasks: list[AgentTask] = []
    queries = intent.coin_queries
    tf = intent.timeframe
    if intent.overview and not queries:
        tasks.append(_overview(intent, available, directory))
    market_calls = [PlannedCall("get_crypto_price", {"coin": q}) for q in queries]
    # Unknown coins get their own failing price call; the comparison is of the coins we know.
    compared = [coin.id for coin in intent.coins][:6]
    if intent.comparison and len(compared) >= 2:
        market_calls.append(
            PlannedCall(
                "compare_assets",
                {"coins": compared, "timeframe": tf, "period": intent.period or "30d"},
            )
        )
    if market_calls:
        names = ", ".join(_label(q, intent) for q in queries)
        comparing = len(market_calls) > len(queries)
        also = f" and compare them over {intent.period or '30d'} on {tf}" if comparing else ""
        tasks.append(
            AgentTask(
                "CryptoMarketAnalyst",
                f"Get the current price of {names}{also}.",
                tuple(market_calls),
            )
        )
    limit = technical_limit(intent)
    for query in queries if intent.technical else ():
        tasks.append(
            AgentTask(
                "TechnicalAnalyst",
                f"Compute indicators, trend, momentum, key levels and candlestick patterns of "
                f"{_label(query, intent)} on {tf}.",
                (
                    PlannedCall(
                        "compute_indicators",
                        {
                            "coin": query,
                            "timeframe": tf,
                            "indicators": _with_asked(DEFAULT_INDICATORS, intent),
                            "limit": limit,
                        },
                    ),
                    PlannedCall(
                        "find_key_levels", {"coin": query, "timeframe": tf, "limit": limit}
                    ),
                    PlannedCall(
                        "detect_patterns",
                        {
                            "coin": query,
                            "timeframe": tf,
                            "lookback": PATTERN_LOOKBACK,
                            "limit": limit,
                        },
                    ),
                ),
            )
        )
    for query in queries if intent.chart else ():
        tasks.append(
            AgentTask(
                "ChartingAgent",
                f"Draw a {tf} chart of {_label(query, intent)} with moving averages, Bollinger "
                "bands, RSI, MACD, the key levels and candlestick patterns.",
                (
                    PlannedCall(
                        "create_chart",
                        {
                            "coin": query,
                            "timeframe": tf,
                            "indicators": _with_asked(CHART_INDICATORS, intent),
                            "with_levels": True,
                            "pattern_lookback": PATTERN_LOOKBACK,
                            "limit": limit,
                        },
                    ),
                ),
            )
        )
    tasks += _exchange_tasks(intent, exchange)
    return tuple(tasks)
