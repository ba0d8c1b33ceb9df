"""Which agent does which tool calls for an intent: the offline orchestrator's plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptodesk.analysis.indicators import DEFAULT_INDICATORS, IndicatorName
from cryptodesk.engines.offline import vocabulary as words
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


def _technical_calls(query: str, intent: Intent, limit: int) -> tuple[PlannedCall, ...]:
    """The TechnicalAnalyst's calls on one coin: what the kind of question needs."""
    tf = intent.timeframe
    extra: list[IndicatorName] = ["adx"] if intent.decision else []
    if intent.extremes:
        extra.append("stoch")
    calls = [
        PlannedCall(
            "compute_indicators",
            {
                "coin": query,
                "timeframe": tf,
                "indicators": list(
                    dict.fromkeys((*_with_asked(DEFAULT_INDICATORS, intent), *extra))
                ),
                "limit": limit,
            },
        )
    ]
    if intent.outlook:
        calls.append(
            PlannedCall("find_key_levels", {"coin": query, "timeframe": tf, "limit": limit})
        )
    if intent.technical:
        calls.append(
            PlannedCall(
                "detect_patterns",
                {"coin": query, "timeframe": tf, "lookback": PATTERN_LOOKBACK, "limit": limit},
            )
        )
    if intent.outlook:
        outlook: dict[str, object] = {"coin": query, "timeframe": tf, "limit": limit}
        if intent.entry_zone is not None:
            outlook.update(entry_low=intent.entry_zone[0], entry_high=intent.entry_zone[1])
        calls.append(PlannedCall("assess_outlook", outlook))
    return tuple(calls)


def _market_task(intent: Intent, live: bool) -> AgentTask | None:
    queries = [coin.id for coin in intent.coins]
    currency = {"vs_currency": intent.currency} if intent.currency and live else {}
    calls = [PlannedCall("get_crypto_price", {"coin": q, **currency}) for q in queries]
    if intent.performance and intent.period is not None:
        calls += [
            PlannedCall("get_price_history", {"coin": q, "period": intent.period}) for q in queries
        ]
    # Unknown coins are answered before planning; the comparison is of the coins we know.
    compared = [coin.id for coin in intent.coins][:6]
    period = intent.period or "30d"
    if intent.comparison and len(compared) >= 2:
        calls.append(
            PlannedCall(
                "compare_assets",
                {"coins": compared, "timeframe": intent.timeframe, "period": period},
            )
        )
    if not calls:
        return None
    names = ", ".join(_label(q, intent) for q in queries)
    also = ""
    if any(call.tool == "compare_assets" for call in calls):
        also = f" and compare them over {period} on {intent.timeframe}"
    if intent.performance:
        also += f" and their price path over {intent.period}"
    return AgentTask(
        "CryptoMarketAnalyst", f"Get the current price of {names}{also}.", tuple(calls)
    )


def _history_tasks(intent: Intent) -> list[AgentTask]:
    window = intent.history
    if window is None:
        return []
    return [
        AgentTask(
            "CryptoMarketAnalyst",
            f"Get the price history of {_label(q, intent)} for {window.label}.",
            (
                PlannedCall(
                    "get_price_history",
                    {"coin": q, "start": window.start.isoformat(), "end": window.end.isoformat()},
                ),
            ),
        )
        for q in (coin.id for coin in intent.coins)
    ]


def plan(
    intent: Intent,
    available: Sequence[str],
    *,
    directory: bool = False,
    exchange: str = "the exchange",
) -> tuple[AgentTask, ...]:
    """The agent turns that answer `intent`, in order; the ReportWriter's turn is not included.

    `directory`: the market mode is live (auto or live): it can serve the overview, trending
    coins and other quote currencies.
    `exchange`: the configured exchange's name, for the ExchangeAnalyst's instructions.
    """
    queries = intent.coin_queries
    if intent.history is not None and intent.coins:
        return tuple(_history_tasks(intent))
    tasks: list[AgentTask] = []
    tf = intent.timeframe
    if intent.overview and not queries:
        tasks.append(_overview(intent, available, directory))
    market = _market_task(intent, directory)
    if market is not None:
        tasks.append(market)
    limit = technical_limit(intent)
    analysed = intent.technical or intent.outlook or intent.extremes
    known = [coin.id for coin in intent.coins]
    for query in known if analysed else ():
        what = "the outlook (bias, levels, scenarios)" if intent.outlook else "momentum"
        if intent.technical:
            what = "indicators, trend, momentum, key levels, candlestick patterns and the outlook"
        tasks.append(
            AgentTask(
                "TechnicalAnalyst",
                f"Compute {what} of {_label(query, intent)} on {tf}.",
                _technical_calls(query, intent, limit),
            )
        )
    compared = [coin.id for coin in intent.coins][:6]
    # "Chart SOL and AVAX" asks for their charts; a comparison chart when a comparison is asked
    # for in so many words, or when no chart of each coin is drawn.
    asked = bool(words.COMPARE.search(intent.question)) or not intent.chart
    if intent.comparison and len(compared) >= 2 and asked:
        period = intent.period or "30d"
        tasks.append(
            AgentTask(
                "ChartingAgent",
                f"Draw the performance of {', '.join(_label(q, intent) for q in compared)} over "
                f"{period}: percent from the start, and their ratio.",
                (
                    PlannedCall(
                        "create_comparison_chart",
                        {"coins": compared, "timeframe": tf, "period": period},
                    ),
                ),
            )
        )
    for query in known if intent.chart else ():
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
