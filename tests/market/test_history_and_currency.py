"""Live history (CoinGecko's range endpoint, within the plan's reach) and quote currencies,
against the loopback fake CoinGecko."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from cryptodesk.errors import BadRangeError, DataUnavailableError
from cryptodesk.market.service import MarketDataService, build_market_service
from tests.market.fake_coingecko import FakeCoinGecko, Reply, fixture_path, market_settings


@pytest.fixture
async def live(coingecko: FakeCoinGecko) -> AsyncIterator[MarketDataService]:
    service = build_market_service(market_settings(coingecko.url))
    yield service
    await service.aclose()


async def test_live_history_comes_from_the_range_endpoint(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    recorded = json.loads(
        fixture_path("openapi_examples/coins_id_market_chart_range.json").read_text()
    )
    coingecko.serve("/coins/bitcoin/market_chart/range", recorded)
    end = datetime.now(UTC) - timedelta(days=30)
    start = end - timedelta(days=31)
    history = await live.price_history("BTC", start, end)
    (seen,) = coingecko.requests("/coins/bitcoin/market_chart/range")
    assert seen.query == {
        "vs_currency": "usd",
        "from": str(int(start.timestamp())),
        "to": str(int(end.timestamp())),
    }
    assert [p.price for p in history.points] == [price for _, price in recorded["prices"]]
    assert history.points[0].time.timestamp() == recorded["prices"][0][0] / 1000
    assert (history.source, history.simulated) == ("coingecko", False)


async def test_live_history_beyond_the_keyless_plan_is_refused_without_a_request(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    start = datetime(2022, 5, 1, tzinfo=UTC)
    with pytest.raises(BadRangeError, match="keyless plan serves only the last 365 days"):
        await live.price_history("BTC", start, start + timedelta(days=31))
    assert coingecko.count("/coins/bitcoin/market_chart/range") == 0


async def test_live_history_10012_from_coingecko_is_the_plan_limit(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    """CoinGecko's own answer to a range beyond the plan (10012) says the same."""
    coingecko.script(
        "/coins/bitcoin/market_chart/range",
        Reply.recorded_error("401_10012_history_beyond_365d_public"),
    )
    end = datetime.now(UTC) - timedelta(days=10)
    with pytest.raises(BadRangeError, match="last 365 days"):
        await live.price_history("BTC", end - timedelta(days=5), end)


async def test_live_price_in_euro_comes_from_simple_price(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    coingecko.serve(
        "/simple/price",
        {"bitcoin": {"eur": 61_234.5, "eur_24h_change": -1.25, "last_updated_at": 1711356300}},
    )
    converted = await live.get_price_in("BTC", "EUR")
    (seen,) = coingecko.requests("/simple/price")
    assert (seen.query["ids"], seen.query["vs_currencies"]) == ("bitcoin", "eur")
    assert (converted.currency, converted.price, converted.change_24h_pct) == (
        "eur",
        61_234.5,
        -1.25,
    )
    assert converted.as_of == datetime.fromtimestamp(1711356300, UTC)


async def test_live_price_in_an_unknown_currency_says_so(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    coingecko.serve("/simple/price", {"bitcoin": {"usd": 1.0}})
    with pytest.raises(DataUnavailableError, match="no bitcoin price in XYZ"):
        await live.get_price_in("BTC", "xyz")
