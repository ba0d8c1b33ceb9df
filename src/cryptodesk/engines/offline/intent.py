"""What a question asks for: coins, timeframe, lookback and the kind of answer.

A follow-up keeps the conversation's coins, timeframe and kind of question unless it changes
them: "and ETH?" after "Analyze BTC on the 1d chart" is a technical analysis of ETH on 1d.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cryptodesk.analysis.indicators import IndicatorName
from cryptodesk.engines.base import HistoryMessage
from cryptodesk.engines.offline import vocabulary as words
from cryptodesk.engines.offline.timespan import (
    PERIOD_TIMEFRAME,
    DateWindow,
    parse_date_window,
    parse_period,
    parse_timeframe,
)
from cryptodesk.market.catalog import CoinInfo, find_coins
from cryptodesk.market.schemas import TIMEFRAMES
from cryptodesk.tools.market import Period


@dataclass(frozen=True, slots=True)
class Intent:
    question: str
    coins: tuple[CoinInfo, ...]
    unknown_coins: tuple[str, ...]
    """Ticker-like words that are no catalog coin: resolved or answered with closest matches."""
    price: bool
    technical: bool
    chart: bool
    comparison: bool
    overview: bool
    exchange: bool
    """Order book, spread, depth, funding or open interest of the coins (exchange data)."""
    timeframe: str
    """As asked; may be one no source supports (the tools then say so)."""
    period: Period | None
    indicators: tuple[IndicatorName, ...] = ()
    """Indicators asked for by name beyond the standard set (ADX, stochastic, OBV, VWAP)."""
    trending: bool = False
    """The coins trending now (a market question: only without coins named)."""
    account: bool = False
    """The exchange account's balances and open orders (needs exchange keys)."""
    decision: bool = False
    """"Should I buy/sell", "is now a good entry": a lean with levels and scenarios."""
    extremes: str | None = None
    """"overbought" or "oversold" when the question asks whether the coin is."""
    levels: bool = False
    """Support and resistance asked for."""
    history: DateWindow | None = None
    """"What happened to X in May 2022": the past window asked about."""
    performance: bool = False
    """"How did BTC do this week?": the price path over the lookback `period`."""
    news: bool = False
    """Why something happened, news, events: outside what market data answers."""
    currency: str | None = None
    """A quote currency other than USD ("eur", "btc"), as CoinGecko's vs_currencies name it."""
    entry_zone: tuple[float, float] | None = None
    """An entry price or zone named in a decision question."""
    timeframe_given: bool = False
    """The timeframe (or a lookback) was stated, here or earlier in the conversation."""

    @property
    def coin_queries(self) -> tuple[str, ...]:
        return (*(coin.id for coin in self.coins), *self.unknown_coins)

    @property
    def needs_coin(self) -> bool:
        return not self.coin_queries and not self.overview and not self.account

    @property
    def outlook(self) -> bool:
        """The answer includes the structured outlook (technical, decision, levels)."""
        return self.technical or self.decision or self.levels


def _unknown_tickers(text: str, known: Sequence[CoinInfo]) -> tuple[str, ...]:
    symbols = {coin.symbol for coin in known}
    found: dict[str, None] = {}
    for match in words.TICKER.finditer(text):
        word = match.group(1)
        if word in symbols or word in words.NOT_TICKERS or word.lower() in TIMEFRAMES:
            continue
        if match.group(0).startswith("$") or len(word) >= 3:
            found[word] = None
    return tuple(found)


def _currency(text: str) -> str | None:
    match = words.CURRENCY.search(text)
    if match is None:
        return None
    code = match.group("code").lower()
    return words.CURRENCY_CODES.get(code, code)


def _entry_zone(text: str) -> tuple[float, float] | None:
    match = words.ZONE.search(text)
    if match is None:
        return None
    low = float(match.group("low").replace(",", ""))
    high = float((match.group("high") or match.group("low")).replace(",", ""))
    return (min(low, high), max(low, high)) if low > 0 else None


def _asks_anything(intent: Intent) -> bool:
    return any(
        (
            intent.technical,
            intent.chart,
            intent.comparison and len(intent.coin_queries) < 2,
            intent.overview,
            intent.exchange,
            intent.account,
            intent.decision,
            intent.extremes,
            intent.history,
            intent.performance,
            intent.news,
            intent.currency,
            intent.period,
        )
    ) or bool(words.PRICE.search(intent.question))


def _previous(history: Sequence[HistoryMessage]) -> Intent | None:
    """The intent of the conversation's last question, itself read in its own context."""
    for index in range(len(history) - 1, -1, -1):
        if history[index].role == "user":
            return parse_intent(history[index].content, history[:index])
    return None


def _follow_up(intent: Intent, previous: Intent) -> Intent:
    """`intent` completed from the previous question: coins, timeframe and kind it lacks."""
    if not intent.coin_queries and not intent.overview:
        intent = replace(intent, coins=previous.coins, unknown_coins=previous.unknown_coins)
    if not intent.timeframe_given and previous.timeframe_given:
        intent = replace(intent, timeframe=previous.timeframe, timeframe_given=True)
    if not _asks_anything(intent):
        intent = replace(
            intent,
            price=True,
            technical=previous.technical,
            chart=previous.chart,
            exchange=previous.exchange,
            decision=previous.decision,
            extremes=previous.extremes,
            levels=previous.levels,
            indicators=intent.indicators or previous.indicators,
            currency=previous.currency,
        )
    return intent


def parse_intent(question: str, history: Sequence[HistoryMessage] = ()) -> Intent:
    window, text = parse_date_window(question)
    coins = find_coins(text)
    unknown = _unknown_tickers(text, coins)
    period, rest = parse_period(text)
    timeframe = parse_timeframe(rest)
    technical = bool(words.TECHNICAL.search(question))
    chart = bool(words.CHART.search(question)) or technical
    comparison = bool(words.COMPARE.search(question)) or len(coins) + len(unknown) >= 2
    trending = bool(words.TRENDING.search(question)) and not (coins or unknown)
    overview = (bool(words.OVERVIEW.search(question)) or trending) and not (coins or unknown)
    overview = overview or bool(re.search(r"\b(overview|top coins)\b", question, re.I))
    if overview and not (coins or unknown):
        technical = chart = False  # "what is trending?" is about the market, not a chart
    extremes = words.EXTREMES.search(question)
    decision = bool(words.DECISION.search(question))
    history_asked = window is not None and bool(words.HISTORY.search(question) or not technical)
    performance = period is not None and bool(words.HISTORY.search(question)) and not technical
    intent = Intent(
        question=question,
        coins=coins,
        unknown_coins=unknown,
        price=bool(words.PRICE.search(question)),
        technical=technical and not history_asked,
        chart=chart and not history_asked,
        comparison=comparison,
        overview=overview,
        exchange=bool(words.EXCHANGE.search(question)),
        timeframe=timeframe or "",
        period=period,
        indicators=tuple(
            name for pattern, name in words.EXTRA_INDICATORS if pattern.search(question)
        ),
        trending=trending,
        account=bool(words.ACCOUNT.search(question)),
        decision=decision,
        extremes=(
            ("oversold" if "sold" in extremes.group(1).lower() else "overbought")
            if extremes
            else None
        ),
        levels=bool(words.LEVELS.search(question)) and not history_asked,
        history=window if history_asked else None,
        performance=performance and not history_asked,
        news=bool(words.NEWS.search(question)),
        currency=_currency(question),
        entry_zone=_entry_zone(text) if decision else None,
        timeframe_given=timeframe is not None or period is not None,
    )
    previous = _previous(history)
    if previous is not None:
        if not intent.coin_queries or not _asks_anything(intent):
            intent = _follow_up(intent, previous)
        elif not intent.timeframe_given and previous.timeframe_given:
            intent = replace(intent, timeframe=previous.timeframe, timeframe_given=True)
        if intent.comparison and len(intent.coin_queries) == 1:
            # "compare it with ETH": the conversation's coin against the one named now
            earlier = tuple(c for c in previous.coins if c not in intent.coins)
            intent = replace(intent, coins=(*earlier, *intent.coins))
    return _defaults(intent)


def _defaults(intent: Intent) -> Intent:
    """Fills what the question leaves open: a full analysis when it asks for nothing in
    particular, the timeframe from the lookback, the comparison period."""
    if not (
        intent.price
        or intent.technical
        or intent.chart
        or intent.comparison
        or intent.overview
        or intent.exchange
        or intent.account
        or intent.decision
        or intent.extremes
        or intent.history
        or intent.performance
        or intent.news
    ):
        intent = replace(intent, price=True, technical=True, chart=True)
    intent = replace(intent, price=intent.price or bool(intent.coin_queries))
    if intent.decision or intent.levels:
        intent = replace(intent, chart=True)
    timeframe = intent.timeframe
    if not timeframe:
        if intent.period:
            timeframe = PERIOD_TIMEFRAME[intent.period]
        else:
            timeframe = "1d" if intent.comparison else "4h"
    period = intent.period
    if intent.comparison and period is None:
        period = "30d"
    return replace(intent, timeframe=timeframe, period=period)
