from __future__ import annotations

import pytest

from cryptodesk.errors import CoinNotFoundError
from cryptodesk.market.catalog import COINS, find_coins, resolve_coin


@pytest.mark.parametrize("query", ["BTC", "btc", "bitcoin", "Bitcoin", " $BTC "])
def test_resolve_coin_accepts_symbol_name_and_id_in_any_case(query: str) -> None:
    assert resolve_coin(query).id == "bitcoin"


@pytest.mark.parametrize("query", ["MATIC", "pol", "Polygon"])
def test_resolve_coin_maps_matic_and_pol_to_polygon(query: str) -> None:
    assert resolve_coin(query).id == "polygon-ecosystem-token"


def test_resolve_coin_rejects_unknown_coin() -> None:
    with pytest.raises(CoinNotFoundError, match="FOOCOIN"):
        resolve_coin("FOOCOIN")


def test_catalog_has_the_major_coins() -> None:
    symbols = {coin.symbol for coin in COINS}
    wanted = "BTC ETH SOL BNB XRP ADA DOGE AVAX DOT LINK LTC POL TRX TON SHIB UNI ATOM NEAR ARB OP"
    assert set(wanted.split()) | {"SUI", "APT"} <= symbols


def test_catalog_ids_and_symbols_are_unique() -> None:
    assert len({coin.id for coin in COINS}) == len(COINS)
    assert len({coin.symbol for coin in COINS}) == len(COINS)


def test_find_coins_returns_coins_in_order_of_first_mention() -> None:
    found = find_coins("Compare solana vs AVAX and then BTC, and bitcoin again")
    assert [coin.symbol for coin in found] == ["SOL", "AVAX", "BTC"]


@pytest.mark.parametrize(
    "text",
    [
        "price is near the support",
        "link to the chart",
        "connect the dot",
        "a ton of volume",
        "one more op-ed",
        "an apt move",
        "uni students",
        "the market mood is optimism",
    ],
)
def test_find_coins_ignores_word_symbols_in_lower_case(text: str) -> None:
    assert find_coins(text) == ()


def test_find_coins_matches_word_symbols_in_upper_case_and_full_names() -> None:
    found = find_coins("NEAR, LINK, DOT, TON, UNI and OP; also Chainlink and Polkadot")
    assert [coin.symbol for coin in found] == ["NEAR", "LINK", "DOT", "TON", "UNI", "OP"]


def test_find_coins_requires_word_boundaries() -> None:
    assert find_coins("ETHUSDT and BTCUSD pairs, solar power") == ()
