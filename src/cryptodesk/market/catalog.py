"""The built-in catalog of major coins: ids, symbols, names and aliases.

Ids are CoinGecko ids. Symbols that are also English words ("near", "link", "dot") are matched in
free text only when written in upper case, so "near the support" does not mention NEAR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from cryptodesk.errors import CoinNotFoundError


@dataclass(frozen=True, slots=True)
class CoinInfo:
    id: str
    symbol: str
    name: str
    aliases: tuple[str, ...] = ()
    word_symbol: bool = False
    """The symbol is an ordinary word: match it in free text only when written in upper case."""
    word_name: bool = False
    """The name is an ordinary word: match it in free text only when capitalised."""


# Ordered roughly by market capitalisation; the order is used for overviews.
COINS: tuple[CoinInfo, ...] = (
    CoinInfo("bitcoin", "BTC", "Bitcoin", ("xbt",)),
    CoinInfo("ethereum", "ETH", "Ethereum", ("ether",)),
    CoinInfo("binancecoin", "BNB", "BNB", ("binance coin",)),
    CoinInfo("solana", "SOL", "Solana"),
    CoinInfo("ripple", "XRP", "XRP", ("ripple",)),
    CoinInfo("dogecoin", "DOGE", "Dogecoin"),
    CoinInfo("cardano", "ADA", "Cardano"),
    CoinInfo("tron", "TRX", "TRON"),
    CoinInfo("avalanche-2", "AVAX", "Avalanche"),
    CoinInfo("the-open-network", "TON", "Toncoin", ("the open network",), word_symbol=True),
    CoinInfo("shiba-inu", "SHIB", "Shiba Inu"),
    CoinInfo("chainlink", "LINK", "Chainlink", (), word_symbol=True),
    CoinInfo("polkadot", "DOT", "Polkadot", (), word_symbol=True),
    CoinInfo("sui", "SUI", "Sui", (), word_symbol=True),
    CoinInfo("litecoin", "LTC", "Litecoin"),
    CoinInfo("uniswap", "UNI", "Uniswap", (), word_symbol=True),
    CoinInfo("near", "NEAR", "NEAR Protocol", (), word_symbol=True),
    CoinInfo("aptos", "APT", "Aptos", (), word_symbol=True),
    CoinInfo(
        "polygon-ecosystem-token", "POL", "Polygon", ("matic", "polygon ecosystem token", "pol")
    ),
    CoinInfo("cosmos", "ATOM", "Cosmos", ("cosmos hub",), word_symbol=True, word_name=True),
    CoinInfo("arbitrum", "ARB", "Arbitrum"),
    CoinInfo("optimism", "OP", "Optimism", (), word_symbol=True, word_name=True),
)

_BY_ID: dict[str, CoinInfo] = {coin.id: coin for coin in COINS}


def _keys(coin: CoinInfo) -> tuple[str, ...]:
    return (coin.id, coin.symbol.lower(), coin.name.lower(), *coin.aliases)


@cache
def _lookup() -> dict[str, CoinInfo]:
    table: dict[str, CoinInfo] = {}
    for coin in COINS:
        for key in _keys(coin):
            table.setdefault(key.lower(), coin)
    return table


def resolve_coin(query: str) -> CoinInfo:
    """Resolves an id, symbol, name or alias in any case; raises `CoinNotFoundError`."""
    key = query.strip().lower().lstrip("$")
    coin = _lookup().get(key)
    if coin is None:
        raise CoinNotFoundError(query)
    return coin


def coin_by_id(coin_id: str) -> CoinInfo:
    coin = _BY_ID.get(coin_id)
    if coin is None:
        raise CoinNotFoundError(coin_id)
    return coin


def coin_by_symbol(symbol: str) -> CoinInfo | None:
    """The catalog coin with exactly this ticker symbol (any case), or None."""
    wanted = symbol.upper()
    return next((coin for coin in COINS if coin.symbol == wanted), None)


def _bounded(text: str) -> str:
    return rf"(?<![A-Za-z0-9]){text}(?![A-Za-z0-9])"


@cache
def _mention_patterns() -> tuple[tuple[re.Pattern[str], CoinInfo], ...]:
    patterns: list[tuple[re.Pattern[str], CoinInfo]] = []
    for coin in COINS:
        strict: set[str] = set()
        loose = {alias.lower() for alias in coin.aliases}
        loose.add(coin.symbol.lower())
        if "-" not in coin.id:
            loose.add(coin.id)
        if coin.word_name:
            strict.update({coin.name, coin.name.upper()})
            loose.discard(coin.name.lower())
        else:
            loose.add(coin.name.lower())
        if coin.word_symbol:
            loose = {word for word in loose if word != coin.symbol.lower()}
            strict.add(coin.symbol)
        for words, flags in ((strict, 0), (loose, re.IGNORECASE)):
            if words:
                ordered = sorted(words, key=lambda w: (-len(w), w))
                alternatives = "|".join(re.escape(word) for word in ordered)
                patterns.append((re.compile(_bounded(f"(?:{alternatives})"), flags), coin))
    return tuple(patterns)


def find_coins(text: str) -> tuple[CoinInfo, ...]:
    """Catalog coins mentioned in `text`, in order of first mention, each once."""
    first_seen: dict[str, tuple[int, CoinInfo]] = {}
    for pattern, coin in _mention_patterns():
        match = pattern.search(text)
        if match is None:
            continue
        seen = first_seen.get(coin.id)
        if seen is None or match.start() < seen[0]:
            first_seen[coin.id] = (match.start(), coin)
    return tuple(coin for _, coin in sorted(first_seen.values(), key=lambda item: item[0]))
