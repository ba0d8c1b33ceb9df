"""Resolving user text to a CoinGecko coin through the full coin list.

Symbols are not unique (many tokens call themselves BTC or ETH), so the order is: the built-in
catalog (the majors), then an exact id, then an exact name, then a symbol. When a step matches
several coins the query is ambiguous and reported with its candidates, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptodesk.errors import CoinNotFoundError
from cryptodesk.market.catalog import CoinInfo, coin_by_id, resolve_coin
from cryptodesk.market.coingecko_payloads import CoinListEntry

MAX_CANDIDATES = 8


@dataclass(frozen=True, slots=True)
class CoinIndex:
    by_id: dict[str, CoinInfo]
    by_name: dict[str, tuple[CoinInfo, ...]]
    by_symbol: dict[str, tuple[CoinInfo, ...]]
    source: str
    as_of: datetime

    @classmethod
    def build(cls, entries: Iterable[CoinListEntry], source: str = "coingecko") -> CoinIndex:
        by_id: dict[str, CoinInfo] = {}
        by_name: dict[str, list[CoinInfo]] = {}
        by_symbol: dict[str, list[CoinInfo]] = {}
        for entry in entries:
            coin = CoinInfo(entry.id, entry.symbol.upper(), entry.name)
            by_id[entry.id] = coin
            by_name.setdefault(entry.name.strip().lower(), []).append(coin)
            by_symbol.setdefault(entry.symbol.strip().lower(), []).append(coin)
        return cls(
            by_id,
            {key: tuple(coins) for key, coins in by_name.items()},
            {key: tuple(coins) for key, coins in by_symbol.items()},
            source,
            datetime.now(UTC),
        )

    def __len__(self) -> int:
        return len(self.by_id)

    def coin(self, coin_id: str) -> CoinInfo:
        """The coin with exactly this id (catalog first, for its aliases and flags)."""
        try:
            return coin_by_id(coin_id)
        except CoinNotFoundError:
            found = self.by_id.get(coin_id)
        if found is None:
            raise CoinNotFoundError(coin_id)
        return found

    def resolve(self, query: str) -> CoinInfo:
        """Catalog, exact id, exact name, then symbol; raises `CoinNotFoundError` when nothing
        or more than one coin matches."""
        try:
            return resolve_coin(query)
        except CoinNotFoundError:
            pass
        key = query.strip().lower().lstrip("$")
        if key in self.by_id:
            return self.by_id[key]
        for table in (self.by_name, self.by_symbol):
            matches = table.get(key, ())
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise CoinNotFoundError(query, _candidates(matches))
        raise CoinNotFoundError(query)


def _candidates(coins: tuple[CoinInfo, ...]) -> tuple[str, ...]:
    shown = tuple(f"{coin.id} ({coin.name})" for coin in coins[:MAX_CANDIDATES])
    more = len(coins) - MAX_CANDIDATES
    return (*shown, f"{more} more") if more > 0 else shown
