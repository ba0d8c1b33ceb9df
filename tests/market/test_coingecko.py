from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from cryptodesk.errors import (
    BadCredentialsError,
    BadRangeError,
    CoinNotFoundError,
    DataUnavailableError,
    MarketDataError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)
from cryptodesk.market.coingecko import PLANS, CoinGeckoClient, Plan
from cryptodesk.market.ratelimit import TokenBucket
from cryptodesk.market.retry import RetryPolicy
from tests.market.fake_coingecko import FakeCoinGecko, Reply, closed_port_url

KEY = "CG-sEcReT-kEy-123"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def client(
    http: httpx.AsyncClient,
    url: str,
    *,
    plan: Plan = "keyless",
    attempts: int = 1,
    waits: list[float] | None = None,
    timeout_s: float = 2.0,
) -> CoinGeckoClient:
    now = [0.0]  # the budget's clock moves only when the retry policy waits

    async def record(seconds: float) -> None:
        now[0] += seconds
        if waits is not None:
            waits.append(seconds)

    async def pass_time(seconds: float) -> None:
        now[0] += seconds

    return CoinGeckoClient(
        http,
        plan=plan,
        api_key=SecretStr(KEY) if plan != "keyless" else None,
        base_url=url,
        limiter=TokenBucket(6000, clock=lambda: now[0], sleep=pass_time),
        retry=RetryPolicy(max_attempts=attempts, max_wait_s=30, sleep=record, jitter=lambda: 0.5),
        timeout_s=timeout_s,
    )


async def test_coingecko_simple_price_reads_price_cap_volume_change_and_time(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient
) -> None:
    prices = await client(http, coingecko.url).simple_price(["bitcoin", "nope"])
    assert set(prices) == {"bitcoin"}  # unknown ids are simply absent
    btc = prices["bitcoin"]
    assert btc.price == 67187.3358936566
    assert (btc.market_cap, btc.volume_24h) == (1317802988326.25, 31260929299.5248)
    assert (btc.change_24h_pct, btc.last_updated_at) == (3.63727894677354, 1711356300)
    query = coingecko.requests("/simple/price")[0].query
    assert query["ids"] == "bitcoin,nope"
    assert query["include_last_updated_at"] == "true"


async def test_coingecko_markets_chart_and_ohlc_parse_the_recorded_payloads(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient
) -> None:
    cg = client(http, coingecko.url)
    [row] = await cg.coins_markets(ids=["bitcoin"])
    assert (row.id, row.current_price, row.high_24h, row.market_cap_rank) == (
        "bitcoin",
        70187,
        70215,
        1,
    )
    chart = await cg.market_chart("bitcoin", 1)
    assert chart.prices[-1] == (1711983682000, 68887.7495158568)
    assert chart.total_volumes[0] == (1711843200000, 16408802301.8374)
    ohlc = await cg.ohlc("bitcoin", 1)
    assert ohlc[0] == (1709395200000, 61942, 62211, 61721, 61845)
    assert coingecko.requests("/coins/bitcoin/ohlc")[0].query == {
        "vs_currency": "usd",
        "days": "1",
    }


async def test_coingecko_search_trending_global_and_coin_list_parse(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient
) -> None:
    cg = client(http, coingecko.url)
    search = await cg.search("ethereum")
    assert [c.id for c in search.coins] == ["ethereum", "ethereum-classic", "sweth"]
    trending = await cg.trending()
    item = trending.coins[0].item
    assert (item.id, item.market_cap_rank) == ("moon-tropica", 530)
    assert item.data is not None and item.data.market_cap == "$99,703,583"
    assert trending.categories[0].name == "Solana Meme Coins"
    data = await cg.global_market()
    assert data.total_market_cap["usd"] == 3751351705612.96
    assert data.market_cap_percentage["btc"] == 53.9930159141062
    assert data.updated_at == 1737105225
    coins = await cg.coins_list()
    assert [(c.id, c.symbol) for c in coins] == [("0chain", "zcn"), ("01coin", "zoc")]


@pytest.mark.parametrize(
    ("plan", "header"),
    [("keyless", None), ("demo", "x-cg-demo-api-key"), ("pro", "x-cg-pro-api-key")],
)
async def test_coingecko_sends_the_key_as_the_plan_header_and_never_in_the_url(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient, plan: Plan, header: str | None
) -> None:
    await client(http, coingecko.url, plan=plan).search("btc")
    [seen] = coingecko.requests("/search")
    sent = {name: value for name, value in seen.headers.items() if name.startswith("x-cg-")}
    assert sent == ({header: KEY} if header else {})
    assert KEY not in json.dumps(seen.query)


def test_coingecko_plans_use_the_documented_hosts_headers_and_budgets() -> None:
    assert PLANS["keyless"].base_url == "https://api.coingecko.com/api/v3"
    assert PLANS["demo"].base_url == "https://api.coingecko.com/api/v3"
    assert PLANS["pro"].base_url == "https://pro-api.coingecko.com/api/v3"
    assert [PLANS[p].rate_per_minute for p in ("keyless", "demo", "pro")] == [25, 30, 500]


def test_coingecko_a_keyed_plan_needs_a_key(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="needs an API key"):
        CoinGeckoClient(http, plan="pro")


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (Reply.recorded_error("429_rate_limited"), RateLimitedError, "retry after 119 s"),
        (Reply.recorded_error("429_cloudflare_html_variant"), RateLimitedError, "rate limit"),
        (Reply.recorded_error("401_10002_missing_key"), BadCredentialsError, "key is missing"),
        (
            Reply.recorded_error("400_10010_pro_key_on_public_host"),
            BadCredentialsError,
            "a pro key used on the public host",
        ),
        (
            Reply.recorded_error("400_10011_demo_key_on_pro_host"),
            BadCredentialsError,
            "a demo key used on the pro host",
        ),
        (
            Reply.recorded_error("401_10012_history_beyond_365d_public"),
            BadRangeError,
            "365 days",
        ),
        (Reply.recorded_error("404_unknown_coin"), CoinNotFoundError, "unknown coin 'bitcoin'"),
        (Reply.recorded_error("400_missing_param"), DataUnavailableError, "vs_currencies"),
        (Reply.json({"error": "boom"}, 500), UpstreamUnavailableError, "HTTP 500"),
        (Reply.json({}, 503), UpstreamUnavailableError, "HTTP 503"),
        (Reply.json({}, 403), BadCredentialsError, "HTTP 403"),
        (Reply(200, b"<html>not json"), UpstreamUnavailableError, "unexpected response"),
        (Reply(200, b'{"prices": "nope"}'), UpstreamUnavailableError, "unexpected response"),
    ],
)
async def test_coingecko_translates_errors_at_the_boundary(
    coingecko: FakeCoinGecko,
    http: httpx.AsyncClient,
    reply: Reply,
    error: type[MarketDataError],
    message: str,
) -> None:
    coingecko.script("/coins/bitcoin/market_chart", reply)
    with pytest.raises(error) as caught:
        await client(http, coingecko.url).market_chart("bitcoin", 1)
    assert message in caught.value.logged()  # the status and body text, in the details
    assert "HTTP" not in caught.value.message  # what a user reads is a plain sentence
    if isinstance(caught.value, RateLimitedError) and "119" in message:
        assert caught.value.retry_after == 119


async def test_coingecko_429_with_retry_after_is_waited_out_then_succeeds(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient
) -> None:
    coingecko.script(
        "/search", Reply.json({"status": {"error_code": 429}}, 429, **{"retry-after": "3"})
    )
    waits: list[float] = []
    result = await client(http, coingecko.url, attempts=3, waits=waits).search("btc")
    assert result.coins
    assert waits == [3.0]
    assert coingecko.count("/search") == 2


async def test_coingecko_429_pauses_the_whole_budget_not_just_the_request(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient
) -> None:
    coingecko.script(
        "/search", Reply.json({"status": {"error_code": 429}}, 429, **{"retry-after": "30"})
    )
    gecko = client(http, coingecko.url)
    with pytest.raises(RateLimitedError):
        await gecko.search("btc")
    # Another endpoint right after: refused here, without another request upstream.
    with pytest.raises(RateLimitedError, match="retry after 30 s") as caught:
        await gecko.global_market()
    assert caught.value.retry_after == pytest.approx(30)
    assert coingecko.count("/global") == 0 and coingecko.count("/search") == 1


async def test_coingecko_5xx_is_retried_with_backoff_until_it_succeeds(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient
) -> None:
    coingecko.script("/global", Reply.json({}, 502), Reply.json({}, 500))
    waits: list[float] = []
    data = await client(http, coingecko.url, attempts=4, waits=waits).global_market()
    assert data.markets == 1203
    assert waits == [0.5, 1.0]  # exponential backoff (jitter pinned to its midpoint)
    assert coingecko.count("/global") == 3


@pytest.mark.parametrize(
    "reply",
    [
        Reply.recorded_error("401_10002_missing_key"),
        Reply.recorded_error("404_unknown_coin"),
        Reply.recorded_error("400_10010_pro_key_on_public_host"),
    ],
)
async def test_coingecko_never_retries_a_4xx_other_than_429(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient, reply: Reply
) -> None:
    coingecko.script("/coins/bitcoin/ohlc", reply)
    with pytest.raises(MarketDataError):
        await client(http, coingecko.url, attempts=4, waits=[]).ohlc("bitcoin", 1)
    assert coingecko.count("/coins/bitcoin/ohlc") == 1


async def test_coingecko_slow_response_times_out_as_unavailable_not_unreachable(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient
) -> None:
    coingecko.script("/global", Reply(200, b"{}", delay_s=1.0))
    with pytest.raises(UpstreamUnavailableError) as caught:
        await client(http, coingecko.url, timeout_s=0.2).global_market()
    assert not isinstance(caught.value, UpstreamUnreachableError)
    assert caught.value.message == "CoinGecko did not answer"
    assert "timed out" in (caught.value.details or "")
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


async def test_coingecko_closed_port_is_unreachable(http: httpx.AsyncClient) -> None:
    cg = client(http, closed_port_url())
    with pytest.raises(UpstreamUnreachableError) as caught:
        await cg.global_market()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.message == "CoinGecko is not reachable from this machine"
    assert "GET /global: cannot connect" in (caught.value.details or "")
    await cg.aclose()


async def test_coingecko_key_never_reaches_errors_reprs_or_logs(
    coingecko: FakeCoinGecko, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cg = client(http, coingecko.url, plan="pro", attempts=2)
    coingecko.script(
        "/global",
        Reply.recorded_error("400_10011_demo_key_on_pro_host"),
    )
    coingecko.script("/search", Reply.json({}, 500), Reply.json({}, 500))
    messages = []
    for call in (cg.global_market(), cg.search("x")):
        with pytest.raises(MarketDataError) as caught:
            await call
        messages.append(f"{caught.value} {caught.value!r} {caught.value.__cause__!r}")
    offline = client(http, closed_port_url(), plan="demo", attempts=2)
    with pytest.raises(UpstreamUnreachableError) as unreachable:
        await offline.trending()
    messages.append(f"{unreachable.value} {unreachable.value.__cause__!r}")
    text = " ".join([*messages, repr(cg), repr(offline), caplog.text])
    assert "retrying" in caplog.text  # the retries were logged ...
    assert KEY not in text  # ... and nothing anywhere shows the key


async def test_coingecko_key_that_cannot_be_sent_stays_out_of_the_error(
    coingecko: FakeCoinGecko, caplog: pytest.LogCaptureFixture
) -> None:
    bad_key = "cg-key-with\nnewline-7f3a"
    async with httpx.AsyncClient() as http:
        cg = CoinGeckoClient(http, plan="demo", api_key=SecretStr(bad_key), base_url=coingecko.url)
        with pytest.raises(BadCredentialsError) as caught:
            await cg.global_market()
        await cg.aclose()
    error = caught.value
    assert "cannot be sent: it contains control or invisible characters" in error.message
    assert error.__cause__ is None and not error.retryable
    assert "newline-7f3a" not in f"{error.message} {error.details} {caplog.text}"
    assert coingecko.count() == 0  # nothing was sent, and nothing retried
