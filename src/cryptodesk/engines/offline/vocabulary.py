"""The words a question is read by: kinds of question, indicators, currencies, tickers."""

from __future__ import annotations

import re

from cryptodesk.analysis.indicators import IndicatorName

PRICE = re.compile(
    r"\b(price|prices|cost|worth|trading at|how much|quote|value|change|performance)\b", re.I
)
TECHNICAL = re.compile(
    r"\b(analy[sz]e|analysis|analytics|technicals?|ta|rsi|macd|indicators?|support|resistance|"
    r"trend|trending|bollinger|sma|ema|moving averages?|atr|signals?|levels?|outlook|momentum|"
    r"adx|stoch\w*|obv|vwap|patterns?|doji|hammer|engulfing|divergences?)\b",
    re.I,
)
CHART = re.compile(r"\b(chart|charts|plot|graph|draw|visuali[sz]e|candles?|candlesticks?)\b", re.I)
COMPARE = re.compile(
    r"\b(compare|comparison|vs|versus|against|outperform\w*|relative|correlat\w*)\b", re.I
)
OVERVIEW = re.compile(
    r"\b(overview|top coins|top cryptos?|whole market|crypto market|the market|market "
    r"(?:today|now|summary|update))\b",
    re.I,
)
EXTRA_INDICATORS: tuple[tuple[re.Pattern[str], IndicatorName], ...] = (
    (re.compile(r"\b(adx|directional movement|trend strength)\b", re.I), "adx"),
    (re.compile(r"\bstoch\w*", re.I), "stoch"),
    (re.compile(r"\b(obv|on[- ]balance volume)\b", re.I), "obv"),
    (re.compile(r"\b(vwap|volume[- ]weighted average price)\b", re.I), "vwap"),
)
EXCHANGE = re.compile(
    r"\b(order ?books?|bid[/ -]ask|spreads?|funding|open interest|(?<!in )(?<!in-)depth|"
    r"liquidity|bitget|perps?|perpetuals?)\b",
    re.I,
)
ACCOUNT = re.compile(
    r"\b(my (?:balances?|orders?|holdings|account|wallet|positions?)|portfolio|open orders?)\b",
    re.I,
)
TRENDING = re.compile(r"\b(trending|hot|top movers|movers|top gainers|gainers|losers)\b", re.I)
DECISION = re.compile(
    r"\b(should i|shall i|would you|is (?:it|now|this) (?:a )?(?:good|right|bad|the) "
    r"(?:time|moment|entry|buy|sell)|good (?:entry|time to|moment to)|entry (?:point|zone)|"
    r"buy or sell|long or short|worth buying|time to (?:buy|sell)|go long|go short|buy the dip|"
    r"take profits?)\b",
    re.I,
)
EXTREMES = re.compile(r"\b(over-?bought|over-?sold|over-?extended)\b", re.I)
LEVELS = re.compile(r"\b(supports?|resistances?|key levels?|levels?)\b", re.I)
HISTORY = re.compile(
    r"\b(what happened|happened to|history|historical|back in|how did .+ do|crash(?:ed)?)\b", re.I
)
NEWS = re.compile(
    r"\b(news|headlines?|why (?:did|is|are|has|was)|what caused|announce\w*|rumou?rs?|tweets?|"
    r"regulat\w+|lawsuits?|hack(?:ed)?|etf approval|fomc|elections?)\b",
    re.I,
)
CURRENCY = re.compile(
    r"\b(?:in|into|priced in|quoted in|denominated in)\s+(?P<code>eur|euros?|gbp|pounds?|"
    r"jpy|yen|chf|cad|aud|inr|krw|cny|brl|try|sats|btc|bitcoin|eth|ether)\b",
    re.I,
)
CURRENCY_CODES = {
    "euro": "eur",
    "euros": "eur",
    "pound": "gbp",
    "pounds": "gbp",
    "yen": "jpy",
    "bitcoin": "btc",
    "ether": "eth",
    "sats": "sats",
}
ZONE = re.compile(
    r"\b(?:at|around|near|between|from)\s+\$?(?P<low>\d[\d,]*(?:\.\d+)?)"
    r"(?:\s*(?:-|–|to|and)\s*\$?(?P<high>\d[\d,]*(?:\.\d+)?))?",
    re.I,
)
TICKER = re.compile(r"(?<![\w$])\$?([A-Z][A-Z0-9]{1,9})\b")
NOT_TICKERS = frozenset(
    "RSI MACD SMA EMA ATR ADX OBV VWAP DI BB TA USD USDT USDC EUR GBP JPY CHF UTC OK AI LLM API "
    "ETF ATH ATL OHLC OHLCV PM AM GMT DCA FOMO FUD CEO CPI FED ME IS IT AND THE OR VS OF ON IN "
    "BITGET BPS OI WHAT WHY HOW SHOULD BUY SELL NOW".split()
)
