from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from pydantic import SecretStr

from cryptodesk.errors import (
    BadCredentialsError,
    CoinNotFoundError,
    DataUnavailableError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)
from cryptodesk.market.cache import CacheTtls
from cryptodesk.market.coingecko import CoinGeckoClient
from cryptodesk.market.coingecko_candles import SOURCE_OHLC, SOURCE_SAMPLES
from cryptodesk.market.demo import DEMO_SOURCE
from cryptodesk.market.ratelimit import TokenBucket
from cryptodesk.market.service import MarketDataService, build_market_service
from tests.market.fake_coingecko import (
    FakeCoinGecko,
    Reply,
    closed_port_url,
    fixture_path,
    market_settings,
)

H = 3600


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def live(coingecko: FakeCoinGecko) -> AsyncIterator[MarketDataService]:
    service = build_market_service(market_settings(coingecko.url))
    yield service
    await service.aclose()


def markets_reply(delay_s: float = 0.0) -> Reply:
    return Reply(200, fixture_path("openapi_examples/coins_markets.json").read_bytes(), {}, delay_s)


async def test_live_price_comes_from_coingecko_with_source_and_as_of(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    quote = await live.get_price("Bitcoin")
    assert (quote.coin_id, quote.symbol, quote.price_usd) == ("bitcoin", "BTC", 70187)
    assert (quote.high_24h, quote.low_24h, quote.change_24h_pct) == (70215, 68060, 3.12502)
    assert (quote.volume_24h, quote.market_cap_usd) == (20154184933, 1381651251183)
    assert quote.source == "coingecko"
    assert quote.as_of.isoformat() == "2024-04-07T16:49:31.736000+00:00"
    assert (quote.simulated, quote.stale, quote.fallback) == (False, False, False)
    assert coingecko.requests("/coins/markets")[0].query["ids"] == "bitcoin"


async def test_live_cache_hit_makes_no_upstream_call(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    first = await live.get_price("BTC")
    second = await live.get_price("bitcoin")
    assert coingecko.count("/coins/markets") == 1
    assert second.price_usd == first.price_usd
    assert second.age_s is not None and second.age_s >= 0 and not second.stale


async def test_live_50_concurrent_identical_requests_make_one_upstream_call(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    coingecko.script("/coins/markets", markets_reply(delay_s=0.2))
    quotes = await asyncio.gather(*(live.get_price("BTC") for _ in range(50)))
    assert coingecko.count("/coins/markets") == 1
    assert {q.price_usd for q in quotes} == {70187}


async def test_live_concurrent_identical_requests_share_one_error(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    coingecko.script("/global", Reply(401, b'{"status":{"error_code":10002}}', {}, 0.2))
    results = await asyncio.gather(
        *(live.global_market() for _ in range(20)), return_exceptions=True
    )
    assert coingecko.count("/global") == 1
    assert all(isinstance(r, BadCredentialsError) for r in results)


async def test_live_burst_of_distinct_requests_stays_within_the_rate_budget(
    coingecko: FakeCoinGecko,
) -> None:
    capacity, per_minute = 2, 600  # a burst of 2, then one request every 0.1 s
    async with httpx.AsyncClient() as http:
        client = CoinGeckoClient(
            http, base_url=coingecko.url, limiter=TokenBucket(per_minute, capacity)
        )
        started = time.monotonic()
        await asyncio.gather(*(client.search(f"coin{n}") for n in range(8)))
    arrivals = sorted(seen.at for seen in coingecko.requests("/search"))
    assert len(arrivals) == 8
    per_second = per_minute / 60
    for i in range(len(arrivals)):
        for j in range(i, len(arrivals)):
            window = arrivals[j] - arrivals[i] + 0.05  # network jitter
            assert j - i + 1 <= capacity + per_second * window, (i, j, arrivals)
    assert arrivals[-1] - started >= 0.55  # requests 3-8 were queued, not sent at once


async def test_live_429_with_retry_after_is_honoured_then_succeeds(
    coingecko: FakeCoinGecko,
) -> None:
    service = build_market_service(market_settings(coingecko.url, retry_max_wait_s=1.0))
    coingecko.script("/search/trending", Reply.json({}, 429, **{"retry-after": "0.3"}))
    started = time.monotonic()
    trending = await service.trending()
    assert time.monotonic() - started >= 0.3
    assert trending.coins[0].coin_id == "moon-tropica"
    assert coingecko.count("/search/trending") == 2
    await service.aclose()


async def test_live_stale_on_error_returns_the_old_value_labelled_stale_with_its_age(
    coingecko: FakeCoinGecko,
) -> None:
    clock = Clock()
    service = build_market_service(
        market_settings(coingecko.url), ttls=CacheTtls(price_s=30, stale_s=600), clock=clock
    )
    fresh = await service.get_price("BTC")
    clock.now += 95
    coingecko.script("/coins/markets", *[Reply.json({"error": "down"}, 503)] * 3)
    stale = await service.get_price("BTC")
    assert (stale.price_usd, stale.as_of, stale.source) == (
        fresh.price_usd,
        fresh.as_of,
        "coingecko",
    )
    assert (stale.stale, stale.age_s) == (True, 95.0)
    assert coingecko.count("/coins/markets") == 4  # one fetch, three failed attempts
    clock.now += 600  # past the stale TTL: the error is no longer hidden
    coingecko.script("/coins/markets", *[Reply.json({"error": "down"}, 503)] * 3)
    with pytest.raises(UpstreamUnavailableError) as caught:
        await service.get_price("BTC")
    assert caught.value.details == "HTTP 503"
    await service.aclose()


async def test_live_unreachable_network_is_a_typed_error_not_a_fallback() -> None:
    service = build_market_service(market_settings(closed_port_url(), "live"))
    with pytest.raises(UpstreamUnreachableError) as caught:
        await service.get_price("BTC")
    assert caught.value.message == "CoinGecko is not reachable from this machine"
    status = service.status()
    assert (status.ready, status.simulated) == (False, False)
    assert "failed: CoinGecko is not reachable from this machine" in status.detail
    assert "CoinGecko unreachable since" in status.detail
    assert "cannot connect" in status.detail  # the technical reason, for whoever diagnoses
    await service.aclose()


async def test_auto_falls_back_to_the_demo_market_only_when_unreachable_and_says_so() -> None:
    service = build_market_service(market_settings(closed_port_url(), "auto"))
    quote = await service.get_price("ETH")
    candles = await service.get_ohlc("ETH", "1h", 24)
    for value in (quote, candles):
        assert (value.fallback, value.simulated, value.source) == (True, True, DEMO_SOURCE)
    assert len(candles.candles) == 24
    status = service.status()
    assert (status.mode, status.ready, status.simulated) == ("auto", True, True)
    assert "FALLBACK: CoinGecko is unreachable" in status.detail
    assert "demo market (simulated" in status.detail
    with pytest.raises(UpstreamUnreachableError, match="CoinGecko is not reachable"):
        await service.trending()  # the demo market has no trending coins: said, not faked
    await service.aclose()


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply.json({"error": "boom"}, 500), UpstreamUnavailableError),
        (Reply.recorded_error("401_10002_missing_key"), BadCredentialsError),
        (Reply.recorded_error("429_rate_limited"), Exception),
    ],
)
async def test_auto_http_errors_are_typed_errors_not_a_fallback(
    coingecko: FakeCoinGecko, reply: Reply, error: type[Exception]
) -> None:
    service = build_market_service(market_settings(coingecko.url, "auto"))
    coingecko.script("/coins/markets", *[reply] * 3)
    with pytest.raises(error) as caught:
        await service.get_price("BTC")
    assert not isinstance(caught.value, UpstreamUnreachableError)
    assert "FALLBACK" not in service.status().detail
    assert not service.status().simulated
    await service.aclose()


async def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Polls `condition` (a background task's effect); fails after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_auto_remembers_unreachable_coingecko_and_reprobes_it_in_the_background() -> None:
    down = True
    seen: list[str] = []
    body = fixture_path("openapi_examples/coins_markets.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path.removeprefix("/api/v3"))
        if down:
            raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
        if request.url.path.endswith("/ping"):
            return httpx.Response(200, json={"gecko_says": "(V3) To the Moon!"})
        return httpx.Response(200, content=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        settings = market_settings("https://api.coingecko.com/api/v3", "auto")
        service = build_market_service(settings, http_client=http, probe_after_s=0.05)
        assert (await service.get_price("BTC")).fallback
        assert seen == ["/coins/markets"]  # one attempt: an unreachable host is not retried
        assert (await service.get_ohlc("ETH", "1h", 24)).fallback
        assert seen == ["/coins/markets"]  # known down: the demo market at once, no request
        await wait_until(lambda: seen.count("/ping") >= 2)  # probed, backing off
        assert "/coins/markets" not in seen[1:]
        assert service.status().simulated
        down = False
        await wait_until(lambda: not service.status().simulated)  # a probe got an answer
        quote = await service.get_price("BTC")
        assert (quote.fallback, quote.simulated, quote.source) == (False, False, "coingecko")
        assert "FALLBACK" not in service.status().detail
        await service.aclose()
        assert not http.is_closed  # an injected client belongs to its owner


async def test_auto_probe_answered_with_an_error_still_closes_the_circuit() -> None:
    down = True

    def handler(request: httpx.Request) -> httpx.Response:
        if down:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        return httpx.Response(503, json={"error": "maintenance"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        settings = market_settings("https://api.coingecko.com/api/v3", "auto")
        service = build_market_service(settings, http_client=http, probe_after_s=0.05)
        assert (await service.get_price("BTC")).fallback
        down = False
        await wait_until(lambda: not service.status().simulated)
        with pytest.raises(UpstreamUnavailableError) as caught:  # an answer: no fallback
            await service.get_price("BTC")
        assert caught.value.failure == "server_error"
        await service.aclose()


async def test_auto_prefers_live_values_it_still_holds_over_the_demo_market() -> None:
    down = False
    row = json.loads(fixture_path("openapi_examples/coins_markets.json").read_text())[0]

    def handler(request: httpx.Request) -> httpx.Response:
        if down:
            raise httpx.ConnectError("[Errno 101] Network is unreachable")
        return httpx.Response(200, json=[row])

    clock = Clock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        settings = market_settings("https://api.coingecko.com/api/v3", "auto")
        service = build_market_service(settings, http_client=http, clock=clock)
        await service.get_price("BTC")
        clock.now += 40  # past the 30 s price TTL
        down = True
        held = await service.get_price("BTC")  # the failed refresh leaves the old live value
        assert (held.source, held.stale, held.age_s, held.fallback) == (
            "coingecko",
            True,
            40,
            False,
        )
        other = await service.get_price("ETH")  # nothing held: the demo market, labelled
        assert (other.fallback, other.simulated) == (True, True)
        again = await service.get_price("BTC")  # offline window: held value, no request
        assert (again.source, again.stale, again.fallback) == ("coingecko", True, False)
        await service.aclose()


async def test_live_candles_from_ohlc_carry_approximated_volume(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    now = int(time.time())
    boundary = now // (4 * H) * (4 * H)
    rows = [
        [(boundary - k * 4 * H) * 1000, 100.0 + k, 110.0 + k, 90.0, 101.0 + k]
        for k in range(-1, 40)  # k = -1 is the candle still open
    ]
    samples = list(range(now - 7 * 86_400, now, H))
    coingecko.serve("/coins/bitcoin/ohlc", rows)
    coingecko.serve(
        "/coins/bitcoin/market_chart",
        {
            "prices": [[t * 1000, 100.0] for t in samples],
            "market_caps": [],
            "total_volumes": [[t * 1000, 6_000_000.0] for t in samples],
        },
    )
    candles = await live.get_ohlc("BTC", "4h", 10)
    assert (candles.symbol, candles.timeframe, candles.source) == ("BTC", "4h", SOURCE_OHLC)
    assert len(candles.candles) == 10
    assert candles.as_of.timestamp() == boundary
    last = candles.candles[-1]
    assert (last.time.timestamp(), last.close) == (boundary - 4 * H, 101.0)
    assert last.volume == pytest.approx(6_000_000.0 / 6 / 101.0)
    assert coingecko.requests("/coins/bitcoin/ohlc")[0].query["days"] == "7"
    assert coingecko.requests("/coins/bitcoin/market_chart")[0].query["days"] == "7"
    again = await live.get_ohlc("BTC", "4h", 10)
    assert again.candles == candles.candles
    assert coingecko.count("/coins/bitcoin/ohlc") == 1


async def test_live_candles_beyond_ohlc_are_approximated_from_samples_and_labelled(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    now = int(time.time())
    samples = list(range(now - 12 * 86_400, now + 1, H))
    coingecko.serve(
        "/coins/ethereum/market_chart",
        {
            "prices": [[t * 1000, 2000.0 + (t // H) % 7] for t in samples],
            "total_volumes": [[t * 1000, 1e9] for t in samples],
        },
    )
    candles = await live.get_ohlc("ETH", "1h", 200)
    assert candles.source == SOURCE_SAMPLES and "approximated" in candles.source
    assert len(candles.candles) == 200
    assert coingecko.count("/coins/ethereum/ohlc") == 0


async def test_live_resolves_other_coins_through_the_cached_coin_list(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    coingecko.serve(
        "/coins/list",
        [
            {"id": "pepe", "symbol": "pepe", "name": "Pepe"},
            {"id": "tok-a", "symbol": "tok", "name": "Token A"},
            {"id": "tok-b", "symbol": "tok", "name": "Token B"},
        ],
    )
    row = json.loads(fixture_path("openapi_examples/coins_markets.json").read_text())[0]
    coingecko.serve("/coins/markets", [{**row, "id": "pepe", "symbol": "pepe", "name": "Pepe"}])
    quote = await live.get_price("PEPE")
    assert (quote.coin_id, quote.symbol) == ("pepe", "PEPE")
    assert live.resolve("pepe").id == "pepe"  # now known without a network call
    with pytest.raises(CoinNotFoundError, match="ambiguous") as caught:
        await live.get_price("TOK")
    assert caught.value.candidates == ("tok-a (Token A)", "tok-b (Token B)")
    assert (await live.lookup_coin("BTC")).id == "bitcoin"
    assert coingecko.count("/coins/list") == 1


async def test_live_market_overview_combines_top_coins_and_the_global_market(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    overview = await live.market_overview(5)
    assert [c.coin_id for c in overview.top.coins] == ["bitcoin"]
    assert overview.top.coins[0].market_cap_usd == 1381651251183
    g = overview.global_market
    assert g.total_market_cap_usd == 3751351705612.96
    assert list(g.dominance_pct)[:2] == ["btc", "eth"]
    assert g.market_cap_change_24h_pct == 2.33456898742883
    assert g.as_of.isoformat() == "2025-01-17T09:13:45+00:00"
    assert overview.source == "coingecko"
    assert coingecko.requests("/coins/markets")[0].query["per_page"] == "5"


async def test_live_trending_and_search_are_typed_and_sourced(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    trending = await live.trending()
    first = trending.coins[0]
    assert (first.coin_id, first.symbol, first.rank) == ("moon-tropica", "CAH", 530)
    assert (first.market_cap_usd, first.change_24h_pct) == (99703583.0, -4.04990008945853)
    assert trending.categories[0] == "Solana Meme Coins"
    found = await live.search_coins("Ethereum")
    assert [c.coin_id for c in found.coins][:2] == ["ethereum", "ethereum-classic"]
    await live.search_coins(" ethereum ")
    assert coingecko.count("/search") == 1  # same query, cached
    assert trending.source == found.source == "coingecko"


async def test_status_makes_no_network_call_and_reports_the_last_outcome(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    status = live.status()
    assert (status.mode, status.provider, status.ready) == ("live", "coingecko", True)
    assert "no request made yet" in status.detail and "keyless" in status.detail
    assert coingecko.count() == 0
    await live.get_price("BTC")
    assert "ok" in live.status().detail


async def test_demo_mode_has_no_overview_and_says_why() -> None:
    service = build_market_service(market_settings("http://unused", "demo"))
    with pytest.raises(DataUnavailableError, match="needs live market data"):
        await service.market_overview()


async def test_service_key_stays_out_of_errors_and_logs(
    coingecko: FakeCoinGecko, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = "CG-live-secret-987"
    settings = market_settings(coingecko.url, "auto", coingecko_api_key=SecretStr(key))
    service = build_market_service(settings)
    coingecko.script("/coins/markets", Reply.recorded_error("400_10010_pro_key_on_public_host"))
    with pytest.raises(BadCredentialsError, match="CRYPTODESK_COINGECKO_PLAN=pro") as caught:
        await service.get_price("BTC")
    assert coingecko.requests("/coins/markets")[0].headers["x-cg-demo-api-key"] == key
    text = f"{caught.value!r} {service.status()} {caplog.text} {settings!r}"
    assert key not in text
    await service.aclose()


async def test_live_candles_from_ohlc_fail_with_the_typed_error_of_the_request(
    live: MarketDataService, coingecko: FakeCoinGecko
) -> None:
    """/ohlc and /market_chart are asked at once; a failure is the request's own typed error,
    not the task group's wrapper (which the cache, the auto fallback and the tools missed)."""
    coingecko.script("/coins/bitcoin/ohlc", *[Reply.recorded_error("429_rate_limited")] * 3)
    with pytest.raises(RateLimitedError):
        await live.get_ohlc("BTC", "4h", 10)
