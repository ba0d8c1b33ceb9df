"""What a question asks for: coins, timeframe, lookback and kinds of answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptodesk.analysis.indicators import IndicatorName
from cryptodesk.engines.base import HistoryMessage
from cryptodesk.market.catalog import CoinInfo, find_coins
from cryptodesk.market.schemas import TIMEFRAMES, Timeframe
from cryptodesk.tools.market import Period

_PRICE = re.compile(
    r"\b(price|prices|cost|worth|trading at|how much|quote|value|change|performance)\b", re.I
)
_TECHNICAL = re.compile(
    r"\b(analy[sz]e|analysis|analytics|technicals?|ta|rsi|macd|indicators?|support|resistance|"
    r"trend|trending|bollinger|sma|ema|moving averages?|atr|signals?|levels?|outlook|momentum|"
    r"adx|stoch\w*|obv|vwap|patterns?|doji|hammer|engulfing)\b",
    re.I,
)
_CHART = re.compile(r"\b(chart|charts|plot|graph|draw|visuali[sz]e|candles?|candlesticks?)\b", re.I)
_COMPARE = re.compile(
    r"\b(compare|comparison|vs|versus|against|outperform\w*|relative|correlat\w*)\b", re.I
)
_OVERVIEW = re.compile(
    r"\b(overview|top coins|top cryptos?|whole market|crypto market|the market|market "
    r"(?:today|now|summary|update))\b",
    re.I,
)
_EXTRA_INDICATORS: tuple[tuple[re.Pattern[str], IndicatorName], ...] = (
    (re.compile(r"\b(adx|directional movement|trend strength)\b", re.I), "adx"),
    (re.compile(r"\bstoch\w*", re.I), "stoch"),
    (re.compile(r"\b(obv|on[- ]balance volume)\b", re.I), "obv"),
    (re.compile(r"\b(vwap|volume[- ]weighted average price)\b", re.I), "vwap"),
)
_EXCHANGE = re.compile(
    r"\b(order ?books?|bid[/ -]ask|spreads?|funding|open interest|(?<!in )(?<!in-)depth|"
    r"liquidity|bitget|perps?|perpetuals?)\b",
    re.I,
)
_ACCOUNT = re.compile(
    r"\b(my (?:balances?|orders?|holdings|account|wallet|positions?)|portfolio|open orders?)\b",
    re.I,
)
_TRENDING = re.compile(r"\b(trending|hot|top movers|movers|top gainers|gainers|losers)\b", re.I)

_UNIT_SECONDS = {
    "m": 60,
    "h": 3600,
    "d": 86_400,
    "w": 604_800,
    "mo": 30 * 86_400,
    "y": 365 * 86_400,
}
_UNIT_WORDS = (
    r"(?P<unit>m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|wk|wks|weeks?|months?|mo|y|yrs?"
    r"|years?)"
)
_PERIOD = re.compile(
    rf"\b(?:last|past|over|previous|within)\s+(?:the\s+)?(?P<n>\d+)?\s*-?\s*{_UNIT_WORDS}\b", re.I
)
_THIS = re.compile(r"\b(?:this|the past|past|last)\s+(?P<unit>day|week|month|quarter|year)\b", re.I)
_TIMEFRAME = re.compile(rf"(?<![\w.])(?P<n>\d+)\s*-?\s*{_UNIT_WORDS}\b(?!\s*(?:ago|change))", re.I)
_NAMED_TIMEFRAMES: tuple[tuple[re.Pattern[str], Timeframe], ...] = (
    (re.compile(r"\bhourly\b", re.I), "1h"),
    (re.compile(r"\b(daily|day chart)\b", re.I), "1d"),
    (re.compile(r"\b(weekly|week chart)\b", re.I), "1w"),
)
_TICKER = re.compile(r"(?<![\w$])\$?([A-Z][A-Z0-9]{1,9})\b")
_NOT_TICKERS = frozenset(
    "RSI MACD SMA EMA ATR ADX OBV VWAP DI BB TA USD USDT USDC EUR UTC OK AI LLM API ETF ATH ATL "
    "OHLC OHLCV PM AM GMT DCA FOMO FUD CEO CPI FED ME IS IT AND THE OR VS OF ON IN BITGET "
    "BPS OI".split()
)
_PERIOD_DAYS: tuple[tuple[float, Period], ...] = (
    (1, "24h"),
    (7, "7d"),
    (30, "30d"),
    (90, "90d"),
    (180, "180d"),
)
_PERIOD_TIMEFRAME: dict[Period, Timeframe] = {
    "24h": "1h",
    "7d": "1h",
    "30d": "4h",
    "90d": "1d",
    "180d": "1d",
    "1y": "1d",
}
_THIS_PERIOD: dict[str, Period] = {
    "day": "24h",
    "week": "7d",
    "month": "30d",
    "quarter": "90d",
    "year": "1y",
}


@dataclass(frozen=True, slots=True)
class Intent:
    question: str
    coins: tuple[CoinInfo, ...]
    unknown_coins: tuple[str, ...]
    """Ticker-like words that are no catalog coin: tried anyway, so the answer says why not."""
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

    @property
    def coin_queries(self) -> tuple[str, ...]:
        return (*(coin.id for coin in self.coins), *self.unknown_coins)

    @property
    def needs_coin(self) -> bool:
        return not self.coin_queries and not self.overview and not self.account


def _unit_seconds(unit: str) -> int:
    unit = unit.lower()
    if unit.startswith("mo"):
        return _UNIT_SECONDS["mo"]
    if unit.startswith("mi") or unit == "m":
        return _UNIT_SECONDS["m"]
    return _UNIT_SECONDS[unit[0]]


def _period_of(seconds: int) -> Period:
    days = seconds / 86_400
    return next((period for limit, period in _PERIOD_DAYS if days <= limit), "1y")


def _parse_period(text: str) -> tuple[Period | None, str]:
    """The lookback and the text without it (so "last 4 hours" is not a 4h timeframe)."""
    match = _PERIOD.search(text)
    if match is not None:
        count = int(match.group("n") or 1)
        period = _period_of(count * _unit_seconds(match.group("unit")))
        return period, text[: match.start()] + " " + text[match.end() :]
    match = _THIS.search(text)
    if match is not None:
        return _THIS_PERIOD[match.group("unit").lower()], text[: match.start()] + text[
            match.end() :
        ]
    if re.search(r"\btoday\b", text, re.I):
        return "24h", text
    return None, text


def _timeframe_label(count: int, unit: str) -> str:
    seconds = count * _unit_seconds(unit)
    labels = {60: "m", 3600: "h", 86_400: "d", 604_800: "w"}
    for size in sorted(labels, reverse=True):
        if seconds % size == 0:
            return f"{seconds // size}{labels[size]}"
    return f"{count}{unit}"


def _parse_timeframe(text: str) -> str | None:
    for match in _TIMEFRAME.finditer(text):
        label = _timeframe_label(int(match.group("n")), match.group("unit"))
        if label in ("24h", "48h"):
            continue  # "24h" is a lookback ("24h change"), not a candle size
        return label
    for pattern, timeframe in _NAMED_TIMEFRAMES:
        if pattern.search(text):
            return timeframe
    return None


def _unknown_tickers(text: str, known: Sequence[CoinInfo]) -> tuple[str, ...]:
    symbols = {coin.symbol for coin in known}
    found: dict[str, None] = {}
    for match in _TICKER.finditer(text):
        word = match.group(1)
        if word in symbols or word in _NOT_TICKERS or word.lower() in TIMEFRAMES:
            continue
        if match.group(0).startswith("$") or len(word) >= 3:
            found[word] = None
    return tuple(found)


def parse_intent(question: str, history: Sequence[HistoryMessage] = ()) -> Intent:
    coins = find_coins(question)
    unknown = _unknown_tickers(question, coins)
    if not coins and not unknown:
        # A follow-up ("and on the daily?") is about the coins of the last question.
        for message in reversed(history):
            if message.role == "user" and (earlier := find_coins(message.content)):
                coins = earlier
                break
    period, rest = _parse_period(question)
    timeframe = _parse_timeframe(rest)
    technical = bool(_TECHNICAL.search(question))
    chart = bool(_CHART.search(question)) or technical
    comparison = bool(_COMPARE.search(question)) or len(coins) + len(unknown) >= 2
    trending = bool(_TRENDING.search(question)) and not (coins or unknown)
    overview = (bool(_OVERVIEW.search(question)) or trending) and not (coins or unknown)
    overview = overview or bool(re.search(r"\b(overview|top coins)\b", question, re.I))
    if overview and not (coins or unknown):
        technical = chart = False  # "what is trending?" is about the market, not a chart
    price = bool(_PRICE.search(question))
    exchange = bool(_EXCHANGE.search(question))
    account = bool(_ACCOUNT.search(question))
    if not (price or technical or chart or comparison or overview or exchange or account):
        price = technical = chart = True
    if timeframe is None:
        timeframe = _PERIOD_TIMEFRAME[period] if period else ("1d" if comparison else "4h")
    if comparison and period is None:
        period = "30d"
    return Intent(
        question=question,
        coins=coins,
        unknown_coins=unknown,
        price=price or bool(coins or unknown),
        technical=technical,
        chart=chart,
        comparison=comparison,
        overview=overview,
        exchange=exchange,
        timeframe=timeframe,
        period=period,
        indicators=tuple(name for pattern, name in _EXTRA_INDICATORS if pattern.search(question)),
        trending=trending,
        account=account,
    )
