from __future__ import annotations

import pytest

from cryptodesk.errors import CoinNotFoundError
from cryptodesk.market.coingecko_payloads import CoinListEntry
from cryptodesk.market.coinindex import CoinIndex

# Shaped like the real /coins/list: symbols are shared by many coins, some names too.
ENTRIES = [
    CoinListEntry(id="bitcoin", symbol="btc", name="Bitcoin"),
    CoinListEntry(id="batcat", symbol="btc", name="batcat"),
    CoinListEntry(id="bitcoin-on-base", symbol="btc", name="Bitcoin on Base"),
    CoinListEntry(id="pepe", symbol="pepe", name="Pepe"),
    CoinListEntry(id="pepe-on-sol", symbol="pepe", name="Pepe on SOL"),
    CoinListEntry(id="dogwifcoin", symbol="wif", name="dogwifhat"),
    CoinListEntry(id="bonk-inu", symbol="bonki", name="Bonk Inu"),
    CoinListEntry(id="bonk-inu-2", symbol="bonk2", name="Bonk Inu"),
]
INDEX = CoinIndex.build(ENTRIES)


@pytest.mark.parametrize("query", ["BTC", "btc", "bitcoin", "Bitcoin", " $BTC "])
def test_coin_index_resolves_majors_through_the_catalog_first(query: str) -> None:
    coin = INDEX.resolve(query)
    assert (coin.id, coin.symbol) == ("bitcoin", "BTC")


def test_coin_index_resolves_an_exact_id_before_names_and_symbols() -> None:
    assert INDEX.resolve("pepe").id == "pepe"
    assert INDEX.resolve("pepe-on-sol").name == "Pepe on SOL"


def test_coin_index_resolves_an_exact_name_then_a_unique_symbol() -> None:
    assert INDEX.resolve("dogwifhat").id == "dogwifcoin"
    coin = INDEX.resolve("WIF")
    assert (coin.id, coin.symbol, coin.name) == ("dogwifcoin", "WIF", "dogwifhat")


def test_coin_index_reports_an_ambiguous_name_with_its_candidates() -> None:
    with pytest.raises(CoinNotFoundError, match="ambiguous") as caught:
        INDEX.resolve("bonk inu")
    assert caught.value.candidates == ("bonk-inu (Bonk Inu)", "bonk-inu-2 (Bonk Inu)")


def test_coin_index_reports_an_ambiguous_symbol_instead_of_guessing() -> None:
    index = CoinIndex.build(
        [CoinListEntry(id=f"tok-{n}", symbol="tok", name=f"Token {n}") for n in range(12)]
    )
    with pytest.raises(CoinNotFoundError) as caught:
        index.resolve("TOK")
    assert caught.value.candidates[:2] == ("tok-0 (Token 0)", "tok-1 (Token 1)")
    assert caught.value.candidates[-1] == "4 more"


def test_coin_index_unknown_coin_has_no_candidates() -> None:
    with pytest.raises(CoinNotFoundError, match="unknown coin 'zzz'") as caught:
        INDEX.resolve("zzz")
    assert caught.value.candidates == ()


def test_coin_index_finds_coins_by_id_catalog_first() -> None:
    assert INDEX.coin("bitcoin").aliases == ("xbt",)
    assert INDEX.coin("bonk-inu-2").symbol == "BONK2"
    with pytest.raises(CoinNotFoundError):
        INDEX.coin("nope")
