"""The ccxt exchange client on ccxt's real Bitget parser, fed recorded Bitget v2 payloads."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import ccxt.async_support as ccxt
import pytest

from cryptodesk.config import Settings
from cryptodesk.errors import (
    BadCredentialsError,
    CoinNotFoundError,
    ConfigError,
    DataUnavailableError,
    RateLimitedError,
    UnsupportedTimeframeError,
    UpstreamUnavailableError,
)
from cryptodesk.market.exchange import ExchangeClient
from cryptodesk.market.exchange_errors import MissingCredentialsError
from cryptodesk.market.exchange_schemas import BookLevel, summarize_book
from cryptodesk.market.exchange_service import ExchangeService, build_exchange
from cryptodesk.market.exchange_symbols import pair_candidates
from tests.offline_bitget import (
    API_KEY,
    API_SECRET,
    NOW,
    PASSPHRASE,
    Script,
    Sleeps,
    bitget_error,
    offline_exchange,
    ok,
    unified,
)

TICKERS = "/api/v2/spot/market/tickers"
ASSETS = "/api/v2/spot/account/assets"


def ms(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def exchange(script: Script, sleeps: Sleeps) -> AsyncIterator[ExchangeService]:
    service = offline_exchange(script, sleeps=sleeps)
    yield service
    await service.aclose()


@pytest.fixture
async def keyless(script: Script) -> AsyncIterator[ExchangeService]:
    service = offline_exchange(script, keys=False)
    yield service
    await service.aclose()


async def test_exchange_ticker_matches_the_unified_ccxt_output(exchange: ExchangeService) -> None:
    expected = unified()["fetch_ticker"]
    ticker = await exchange.ticker("BTC")
    assert (ticker.symbol, ticker.base, ticker.quote) == ("BTC/USDT", "BTC", "USDT")
    assert (ticker.last, ticker.bid, ticker.ask) == (
        expected["last"],
        expected["bid"],
        expected["ask"],
    )
    assert (ticker.open, ticker.high, ticker.low) == (
        expected["open"],
        expected["high"],
        expected["low"],
    )
    assert ticker.change_pct == expected["percentage"] == 0.321
    assert (ticker.base_volume, ticker.quote_volume) == (
        expected["baseVolume"],
        expected["quoteVolume"],
    )
    assert ticker.source == "bitget"
    assert ticker.as_of == ms(expected["timestamp"])


@pytest.mark.parametrize("query", ["BTC", "bitcoin", "BTC/USDT", "BTCUSDT", "btc-usdt", "$btc"])
async def test_exchange_symbol_forms_name_the_same_market(
    exchange: ExchangeService, script: Script, query: str
) -> None:
    assert (await exchange.ticker(query)).symbol == "BTC/USDT"
    assert script.requests[-1].query == {"symbol": ["BTCUSDT"]}


def test_pair_candidates_try_catalog_pair_id_then_bare_ticker() -> None:
    assert pair_candidates("bitcoin", "usdt") == (("BTC", "USDT"),)
    assert pair_candidates("ETH/BTC", "USDT") == (("ETH", "BTC"),)
    assert pair_candidates("BTC/USDT:USDT", "USDT") == (("BTC", "USDT"),)
    assert pair_candidates("ETHBTC", "USDT") == (("ETH", "BTC"), ("ETHBTC", "USDT"))
    assert pair_candidates("pepe", "USDC") == (("PEPE", "USDC"),)


async def test_exchange_unknown_symbol_is_coin_not_found_without_a_request(
    exchange: ExchangeService, script: Script
) -> None:
    with pytest.raises(CoinNotFoundError) as caught:
        await exchange.ticker("NOPECOIN")
    assert caught.value.message == "Bitget does not list NOPECOIN/USDT"
    assert TICKERS not in script.paths()


async def test_exchange_symbol_the_exchange_rejects_is_coin_not_found(
    exchange: ExchangeService, script: Script
) -> None:
    script.to(TICKERS, bitget_error("40309", "The contract has been removed"))
    with pytest.raises(CoinNotFoundError, match=r"^Bitget does not list BTC/USDT$"):
        await exchange.ticker("BTC")


async def test_exchange_order_book_matches_unified_output_and_hand_computed_depth(
    exchange: ExchangeService, script: Script
) -> None:
    expected = unified()["fetch_order_book"]
    book = await exchange.order_book("BTC/USDT", depth=3)
    assert script.requests[-1].query == {"symbol": ["BTCUSDT"], "limit": ["3"]}
    assert [[x.price, x.amount] for x in book.bids] == expected["bids"]
    assert [[x.price, x.amount] for x in book.asks] == expected["asks"]
    assert (book.best_bid, book.best_ask) == (39100.5, 39102.0)
    assert book.mid == 39101.25
    assert book.spread == 1.5
    assert book.spread_bps == pytest.approx(1.5 / 39101.25 * 10_000)  # 0.3836 bps
    assert book.as_of == ms(expected["timestamp"])
    one, two = book.depth
    assert (one.pct, two.pct) == (1.0, 2.0)
    # Every level lies within 1% of mid (38710.24 .. 39492.26): all are summed.
    assert one.bid_base == pytest.approx(1.773 + 0.8 + 2.5)  # 5.073
    assert one.bid_quote == pytest.approx(39100.5 * 1.773 + 39100 * 0.8 + 39099 * 2.5)
    assert one.bid_quote == pytest.approx(198_352.6865)
    assert one.ask_base == pytest.approx(11.026 + 0.5 + 1.2)  # 12.726
    assert one.ask_quote == pytest.approx(497_613.502)
    # Three levels end well inside the band: the sums are lower bounds and say so.
    assert not one.complete and not two.complete
    assert two.bid_quote == one.bid_quote and two.ask_quote == one.ask_quote


def test_summarize_book_sums_only_levels_inside_each_band() -> None:
    book = summarize_book(
        symbol="X/USDT",
        base="X",
        quote="USDT",
        bids=[BookLevel(price=p, amount=1.0) for p in (99.5, 100.0, 98.5, 97.0)],
        asks=[BookLevel(price=p, amount=2.0) for p in (101.0, 104.0, 101.5, 103.0)],
        source="test",
        as_of=NOW,
    )
    assert [level.price for level in book.bids] == [100.0, 99.5, 98.5, 97.0]
    assert [level.price for level in book.asks] == [101.0, 101.5, 103.0, 104.0]
    assert (book.mid, book.spread) == (100.5, 1.0)
    one, two = book.depth
    # ±1%: 99.495 .. 101.505 holds bids 100, 99.5 and asks 101, 101.5.
    assert (one.bid_base, one.bid_quote) == (2.0, 199.5)
    assert (one.ask_base, one.ask_quote) == (4.0, 405.0)
    # ±2%: 98.49 .. 102.51 adds the 98.5 bid only.
    assert (two.bid_base, two.bid_quote) == (3.0, 298.0)
    assert (two.ask_base, two.ask_quote) == (4.0, 405.0)
    assert one.complete and two.complete


async def test_exchange_ohlcv_matches_the_unified_ccxt_rows(
    exchange: ExchangeService, script: Script
) -> None:
    """The offline route serves the recorded 1-minute payload whatever the granularity asked."""
    candles = await exchange.ohlcv("BTC", "5m", limit=3)
    assert script.requests[-1].query["granularity"] == ["5min"]
    assert script.requests[-1].query["limit"] == ["3"]
    rows = [
        [int(c.time.timestamp() * 1000), c.open, c.high, c.low, c.close, c.volume]
        for c in candles.candles
    ]
    assert rows == unified()["fetch_ohlcv"]
    assert all(c.time.tzinfo is UTC for c in candles.candles)
    assert (candles.coin_id, candles.symbol, candles.timeframe) == ("bitcoin", "BTC", "5m")
    assert candles.source == "bitget" and not candles.simulated
    assert candles.as_of == ms(1645911720000) + timedelta(minutes=5)


async def test_exchange_ohlcv_rejects_a_timeframe_naming_the_supported_ones(
    exchange: ExchangeService,
) -> None:
    with pytest.raises(UnsupportedTimeframeError) as caught:
        await exchange.ohlcv("BTC", "7m")
    assert caught.value.supported == ("5m", "15m", "1h", "4h", "1d", "1w")


async def test_exchange_funding_rate_of_the_perpetual_from_a_constructed_payload(
    exchange: ExchangeService, script: Script
) -> None:
    """CONSTRUCTED payloads (tests/offline_bitget.py): contracts and current-fund-rate."""
    funding = await exchange.funding_rate("BTC")
    assert script.requests[-1].path == "/api/v2/mix/market/current-fund-rate"
    assert script.requests[-1].query == {"symbol": ["BTCUSDT"], "productType": ["USDT-FUTURES"]}
    assert funding.symbol == "BTC/USDT:USDT"
    assert funding.rate == -0.000013
    assert funding.interval == "8h"
    assert funding.next_funding_time == ms(1745510400000)
    assert (funding.source, funding.as_of) == ("bitget", NOW)


async def test_exchange_open_interest_of_the_perpetual_from_a_constructed_payload(
    exchange: ExchangeService,
) -> None:
    """CONSTRUCTED payload (tests/offline_bitget.py): the v2 mix-market open-interest shape."""
    interest = await exchange.open_interest("BTCUSDT")
    assert (interest.symbol, interest.amount, interest.value) == ("BTC/USDT:USDT", 52234.134, None)
    assert interest.as_of == ms(1700866041023)


async def test_exchange_funding_of_a_coin_without_perpetual_is_data_unavailable(
    exchange: ExchangeService,
) -> None:
    with pytest.raises(DataUnavailableError, match="ETH/USDT but no perpetual"):
        await exchange.funding_rate("ETH")


async def test_exchange_balances_match_the_unified_ccxt_output(
    exchange: ExchangeService, script: Script
) -> None:
    expected = unified()["fetch_balance"]
    balances = await exchange.balances()
    assert [(b.currency, b.free, b.used, b.total) for b in balances.balances] == [
        (code, expected[code]["free"], expected[code]["used"], expected[code]["total"])
        for code in ("BTC", "USDT")
    ]
    signed = next(r for r in script.requests if r.path == ASSETS)
    assert signed.headers["ACCESS-KEY"] == API_KEY
    assert signed.headers["ACCESS-PASSPHRASE"] == PASSPHRASE


async def test_exchange_balances_leave_out_zero_amounts(
    exchange: ExchangeService, script: Script
) -> None:
    zero = {"coin": "ETH", "available": "0", "frozen": "0", "locked": "0", "uTime": "1"}
    btc = {"coin": "BTC", "available": "0.5", "frozen": "0", "locked": "0", "uTime": "1"}
    script.to(ASSETS, ok([zero, btc]))
    balances = await exchange.balances()
    assert [(b.currency, b.total) for b in balances.balances] == [("BTC", 0.5)]


async def test_exchange_open_orders_match_the_unified_ccxt_output(
    exchange: ExchangeService,
) -> None:
    (expected,) = unified()["fetch_open_orders"]
    orders = await exchange.open_orders("BTC")
    (order,) = orders.orders
    assert orders.symbol == "BTC/USDT"
    assert (order.id, order.symbol, order.side, order.type, order.status) == (
        expected["id"],
        expected["symbol"],
        expected["side"],
        expected["type"],
        expected["status"],
    )
    assert (order.price, order.amount, order.filled, order.remaining) == (
        expected["price"],
        expected["amount"],
        expected["filled"],
        expected["remaining"],
    )
    assert order.created == ms(expected["timestamp"])


async def test_exchange_private_calls_without_keys_say_which_settings_to_set(
    keyless: ExchangeService, script: Script
) -> None:
    for call in (keyless.balances, keyless.open_orders):
        with pytest.raises(MissingCredentialsError) as caught:
            await call()
        assert isinstance(caught.value, BadCredentialsError)
        for name in ("API_KEY", "API_SECRET", "API_PASSPHRASE"):
            assert f"CRYPTODESK_EXCHANGE_{name}" in caught.value.message
    assert ASSETS not in script.paths()


async def test_exchange_body_level_429_is_rate_limited_after_bounded_retries(
    exchange: ExchangeService, script: Script, sleeps: Sleeps
) -> None:
    script.to(TICKERS, *[bitget_error("429", "Too Many Requests")] * 3)
    with pytest.raises(RateLimitedError) as caught:
        await exchange.ticker("BTC")
    assert caught.value.retryable
    assert isinstance(caught.value.__cause__, ccxt.DDoSProtection)
    assert script.paths().count(TICKERS) == 3
    assert len(sleeps.waits) == 2 and all(0 < wait <= 5.0 for wait in sleeps.waits)


async def test_exchange_retries_a_rate_limit_then_answers(
    exchange: ExchangeService, script: Script
) -> None:
    script.to(TICKERS, bitget_error("429", "Too Many Requests"))
    assert (await exchange.ticker("BTC")).last == 37583.69
    assert script.paths().count(TICKERS) == 2


async def test_exchange_auth_error_is_bad_credentials_and_not_retried(
    exchange: ExchangeService, script: Script
) -> None:
    script.to(ASSETS, bitget_error("40037", "Apikey does not exist"))
    with pytest.raises(BadCredentialsError, match="CRYPTODESK_EXCHANGE_API_KEY"):
        await exchange.balances()
    assert script.paths().count(ASSETS) == 1


@pytest.mark.parametrize(
    "failure", [ccxt.NetworkError("connection reset"), ccxt.RequestTimeout("timed out")]
)
async def test_exchange_network_error_is_upstream_unavailable(
    exchange: ExchangeService, script: Script, failure: Exception
) -> None:
    script.to(TICKERS, *[failure] * 3)
    with pytest.raises(UpstreamUnavailableError) as caught:
        await exchange.ticker("BTC")
    assert caught.value.retryable and caught.value.__cause__ is failure
    assert caught.value.message == "Bitget did not answer"
    assert caught.value.details == f"{type(failure).__name__}: {failure}"


@pytest.mark.parametrize(
    "garbage",
    [
        ok([]),
        ok([{"symbol": "BTCUSDT"}]),
        {"unexpected": "shape"},
        bitget_error("50000", "internal mystery"),
    ],
)
async def test_exchange_garbage_is_upstream_unavailable(
    exchange: ExchangeService, script: Script, garbage: dict[str, object]
) -> None:
    script.to(TICKERS, *[garbage] * 3)
    with pytest.raises(UpstreamUnavailableError):
        await exchange.ticker("BTC")


async def test_exchange_call_past_its_timeout_is_upstream_unavailable(script: Script) -> None:
    script.delay_s[TICKERS] = 5.0
    service = offline_exchange(script, timeout_s=0.05)
    try:
        with pytest.raises(UpstreamUnavailableError) as caught:
            await service.ticker("BTC")
        assert caught.value.details == "no answer about BTC/USDT in time"
    finally:
        await service.aclose()


async def test_exchange_secrets_never_reach_errors_reprs_or_logs(
    exchange: ExchangeService, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = f"key {API_KEY} secret {API_SECRET} pass {PASSPHRASE}"
    script.to(ASSETS, bitget_error("40006", f"Invalid ACCESS_KEY {echo}"))
    script.to(TICKERS, *[bitget_error("50000", echo)] * 3)
    failures: list[Exception] = []
    with pytest.raises(BadCredentialsError) as auth:
        await exchange.balances()
    failures.append(auth.value)
    with pytest.raises(UpstreamUnavailableError) as upstream:
        await exchange.ticker("BTC")
    failures.append(upstream.value)
    assert "***" in (upstream.value.details or "")  # the echoed body is kept, not its secrets
    client = await exchange.client()
    texts = [str(e) for e in failures] + [repr(exchange), repr(client), caplog.text]
    texts += [str(getattr(e, "details", "")) for e in failures]
    texts += [repr(r.args) for r in caplog.records]
    assert "Request:" in caplog.text  # ccxt's debug line with the signed headers was logged
    for secret in (API_KEY, API_SECRET, PASSPHRASE):
        assert not any(secret in text for text in texts), secret


async def test_exchange_client_offers_no_way_to_place_or_cancel_orders(
    exchange: ExchangeService,
) -> None:
    client = await exchange.client()
    forbidden = re.compile(r"create|cancel|edit|place|withdraw|transfer|order$|submit", re.I)
    for thing in (client, exchange):
        public = [name for name in dir(thing) if not name.startswith("_")]
        assert [name for name in public if forbidden.search(name)] == []
    assert {n for n in dir(ExchangeClient) if not n.startswith("_")} == {
        "id",
        "has_credentials",
        "ticker",
        "order_book",
        "ohlcv",
        "funding_rate",
        "open_interest",
        "balances",
        "open_orders",
        "supported_timeframes",
        "close",
    }


async def test_exchange_service_caches_tickers_for_a_few_seconds(script: Script) -> None:
    now = [100.0]
    service = offline_exchange(script, monotonic=lambda: now[0])
    try:
        await service.ticker("BTC")
        await service.ticker("btc")
        assert script.paths().count(TICKERS) == 1
        now[0] += 10
        await service.ticker("BTC")
        assert script.paths().count(TICKERS) == 2
    finally:
        await service.aclose()


async def test_build_exchange_rejects_an_unknown_exchange_id_saying_how_to_list_them() -> None:
    service = build_exchange(Settings(exchange="bitgett", _env_file=None))  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=r"'bitgett' is not a ccxt exchange id.*bitget") as caught:
        await service.ticker("BTC")
    assert "ccxt.async_support" in caught.value.message
    await service.aclose()


def test_importing_cryptodesk_does_not_import_ccxt() -> None:
    code = (
        "import sys, cryptodesk.app, cryptodesk.tools.registry, cryptodesk.market.exchange_service;"
        "sys.exit('ccxt' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
