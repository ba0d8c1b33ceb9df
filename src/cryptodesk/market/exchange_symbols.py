"""How user input names an exchange market, and what differs between exchanges (as data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptodesk.errors import CoinNotFoundError
from cryptodesk.market.catalog import resolve_coin

# Quotes recognised at the end of a pair written without a separator ("ETHBTC").
COMMON_QUOTES: tuple[str, ...] = ("USDT", "USDC", "FDUSD", "USD", "EUR", "BTC", "ETH")


@dataclass(frozen=True, slots=True)
class ExchangeProfile:
    """What CryptoDesk needs to know about one exchange beyond what ccxt already describes."""

    options: Mapping[str, object] = field(default_factory=dict)
    """ccxt `options`, e.g. which market types to load."""
    perpetual: str = "{base}/{quote}:{quote}"
    """Unified symbol of the linear perpetual that tracks the spot pair base/quote."""


DEFAULT_PROFILE = ExchangeProfile()
# Loading only spot and linear perpetual markets keeps start-up to a few requests.
PROFILES: Mapping[str, ExchangeProfile] = {
    "bitget": ExchangeProfile(options={"fetchMarkets": {"types": ["spot", "swap"]}}),
    "binance": ExchangeProfile(options={"fetchMarkets": {"types": ["spot", "linear"]}}),
    "bybit": ExchangeProfile(options={"fetchMarkets": {"types": ["spot", "linear"]}}),
    "okx": ExchangeProfile(options={"fetchMarkets": {"types": ["spot", "swap"]}}),
}


def profile_for(exchange_id: str) -> ExchangeProfile:
    return PROFILES.get(exchange_id, DEFAULT_PROFILE)


def pair_candidates(query: str, quote: str) -> tuple[tuple[str, str], ...]:
    """(base, quote) pairs `query` may mean, most likely first.

    Accepts a catalog coin ("BTC", "bitcoin"), a unified pair ("BTC/USDT", "BTC/USDT:USDT"), an
    exchange id ("BTCUSDT", "BTC-USDT") or any other ticker, which is paired with `quote`.
    """
    text = query.strip().lstrip("$")
    quote = quote.upper()
    try:
        return ((resolve_coin(text).symbol, quote),)
    except CoinNotFoundError:
        pass
    if "/" in text:
        base, _, rest = text.partition("/")
        return ((base.strip().upper(), rest.partition(":")[0].strip().upper()),)
    found: list[tuple[str, str]] = []
    joined = text.upper().replace("-", "").replace("_", "")
    for known in dict.fromkeys((quote, *COMMON_QUOTES)):
        if joined.endswith(known) and len(joined) > len(known):
            found.append((joined[: -len(known)], known))
    found.append((joined, quote))
    return tuple(pair for pair in dict.fromkeys(found) if pair[0])
