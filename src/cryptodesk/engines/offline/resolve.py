"""Which coins a question can be answered about, settled once before any tool runs.

A ticker the catalog does not know is looked up (live: CoinGecko's coin list); one that stays
unknown, is ambiguous, or has no data in the current source (replay files, demo market) is
answered once with the closest matches instead of failing in every tool.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from cryptodesk.engines.offline.intent import Intent
from cryptodesk.errors import CoinNotFoundError, MarketDataError
from cryptodesk.market.catalog import COINS, CoinInfo, coin_by_id
from cryptodesk.market.service import MarketDataService

MAX_MATCHES = 3
SIMILARITY = 0.7
"""difflib's ratio a spelling needs to count as close ("ETHERIUM" and Ethereum: 0.88)."""


@dataclass(frozen=True, slots=True)
class Unresolved:
    query: str
    reason: str
    """Why it cannot be answered about, in words."""
    matches: tuple[str, ...]
    """The closest coins the source has (or the candidates of an ambiguous name)."""


def closest(query: str, coins: tuple[CoinInfo, ...]) -> tuple[str, ...]:
    """Up to `MAX_MATCHES` coins whose symbol or name is spelled like `query`."""
    by_key: dict[str, CoinInfo] = {}
    for coin in coins:
        by_key.setdefault(coin.symbol.lower(), coin)
        by_key.setdefault(coin.name.lower(), coin)
    keys = difflib.get_close_matches(
        query.lower(), list(by_key), n=MAX_MATCHES * 2, cutoff=SIMILARITY
    )
    found = dict.fromkeys(by_key[key] for key in keys)
    return tuple(f"{coin.name} ({coin.symbol})" for coin in list(found)[:MAX_MATCHES])


async def resolve(
    intent: Intent, market: MarketDataService, *, live: bool
) -> tuple[Intent, tuple[Unresolved, ...]]:
    """`intent` with the unknown tickers that resolve moved to its coins, and the ones that do
    not (and, off live data, named coins the source has no data for). An exchange question
    keeps its unknown tickers for the exchange tools alone."""
    available = market.available_coins()
    have = tuple(coin for coin in COINS if coin.id in available) if not live else COINS
    coins = list(intent.coins)
    unresolved: list[Unresolved] = []
    exchange_only: list[str] = []
    for query in intent.unknown_coins:
        try:
            coins.append(await market.lookup_coin(query))
        except CoinNotFoundError as e:
            if intent.exchange:
                exchange_only.append(query)  # the exchange may list what market data does not
                continue
            if e.candidates:
                reason = f"{query} is ambiguous"
                unresolved.append(Unresolved(query, reason, e.candidates[: MAX_MATCHES + 2]))
            else:
                reason = f"I don't know a coin called {query} in the {_source(market, live)}"
                unresolved.append(Unresolved(query, reason, closest(query, have)))
        except MarketDataError as e:
            reason = f"I could not look {query} up: {e.message}"
            unresolved.append(Unresolved(query, reason, closest(query, have)))
    kept: list[CoinInfo] = []
    for coin in dict.fromkeys(coins):
        if live or coin.id in available:
            kept.append(coin)
        else:
            reason = f"the {_source(market, live)} has no {coin.name} ({coin.symbol}) data"
            unresolved.append(Unresolved(coin.symbol, reason, closest(coin.symbol, have)))
    resolved = replace(intent, coins=tuple(kept), unknown_coins=tuple(exchange_only))
    return resolved, tuple(unresolved)


def _source(market: MarketDataService, live: bool) -> str:
    return "CoinGecko coin list" if live else f"{market.provider.name} data"


def available_symbols(market: MarketDataService) -> tuple[str, ...]:
    return tuple(coin_by_id(c).symbol for c in market.available_coins())
