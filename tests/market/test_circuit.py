"""The short circuit per upstream: unit behaviour, then the exchange and CoinGecko behind it with
the network down (ccxt's real Bitget and httpx against closed ports and `.invalid` hosts)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from cryptodesk.errors import (
    BadCredentialsError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)
from cryptodesk.market.circuit import Circuit
from cryptodesk.market.coingecko import CoinGeckoClient
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.ratelimit import TokenBucket
from cryptodesk.market.service import build_market_service
from tests.market.fake_coingecko import closed_port_url, market_settings
from tests.offline_bitget import Script, offline_exchange, unreachable
from tests.unreachable import FAILURES, Failure, coingecko_url, unreachable_exchange

COINS = "/api/v2/spot/public/coins"
TICKERS = "/api/v2/spot/market/tickers"
BOOK = "/api/v2/spot/market/orderbook"
TIME = "/api/v2/public/time"
DOWN = UpstreamUnreachableError("bitget", "GET /x: [Errno -2] Name or service not known")


class Waits:
    """The circuit's sleep: records each wait and lets the loop run instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


class Probe:
    """Raises the scripted outcomes in turn (None: an answer), then answers."""

    def __init__(self, *outcomes: BaseException | None) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome


async def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_circuit_open_fails_at_once_with_the_error_that_opened_it() -> None:
    circuit = Circuit("Bitget", Probe(), sleep=Waits())
    circuit.check()  # closed: nothing happens
    circuit.observe(DOWN)
    with pytest.raises(UpstreamUnreachableError) as caught:
        circuit.check()
    assert caught.value is not DOWN  # a fresh exception per call, not one shared traceback
    assert (caught.value.provider, caught.value.reason) == (DOWN.provider, DOWN.reason)
    assert caught.value.message == "Bitget is not reachable from this machine"
    assert circuit.since is not None
    await circuit.aclose()


@pytest.mark.parametrize(
    ("outcome", "closes"),
    [
        (None, True),
        (UpstreamUnavailableError("bitget", "HTTP 502", failure="server_error"), True),
        (BadCredentialsError("bitget"), True),
        (RateLimitedError("bitget", 3.0), True),
        (UpstreamUnavailableError("bitget", "timed out"), False),  # no answer: proves nothing
    ],
)
async def test_circuit_any_answer_closes_it_but_a_timeout_does_not(
    outcome: UpstreamUnavailableError | None, *, closes: bool
) -> None:
    circuit = Circuit("Bitget", Probe(), sleep=Waits())
    circuit.observe(DOWN)
    circuit.observe(outcome)
    assert (circuit.error is None) == closes
    await circuit.aclose()


async def test_circuit_reprobes_with_growing_waits_until_the_upstream_answers() -> None:
    waits = Waits()
    probe = Probe(DOWN, DOWN, DOWN, DOWN, DOWN)
    circuit = Circuit("Bitget", probe, first_probe_s=15, max_probe_wait_s=120, sleep=waits)
    circuit.observe(DOWN)
    await wait_until(lambda: circuit.error is None)
    assert waits.waits == [15, 30, 60, 120, 120, 120]  # doubling, capped at two minutes
    assert probe.calls == circuit.probes == 6
    await circuit.aclose()


async def test_circuit_next_outage_probes_from_the_first_wait_again() -> None:
    waits = Waits()
    circuit = Circuit("Bitget", Probe(DOWN, DOWN), first_probe_s=15, sleep=waits)
    circuit.observe(DOWN)
    await wait_until(lambda: circuit.error is None)
    circuit.observe(DOWN)  # down again later: the probe answers at once this time
    await wait_until(lambda: circuit.error is None)
    assert waits.waits == [15, 30, 60, 15]
    await circuit.aclose()


async def test_circuit_closed_by_a_call_stops_its_probe() -> None:
    slept: list[float] = []
    gate = asyncio.Event()

    async def held(seconds: float) -> None:
        slept.append(seconds)
        await gate.wait()

    probe = Probe()
    circuit = Circuit("Bitget", probe, first_probe_s=15, sleep=held)
    circuit.observe(DOWN)
    await wait_until(lambda: slept == [15])
    circuit.observe(None)  # a call got an answer while the probe waited
    circuit.observe(DOWN)  # and the next one found the host down again
    await wait_until(lambda: slept == [15, 15])  # a new probe, from the first wait
    gate.set()
    await wait_until(lambda: circuit.error is None)
    assert probe.calls == 1  # the first outage's probe was stopped, not run
    await circuit.aclose()


async def test_circuit_probe_answered_with_an_error_closes_it() -> None:
    circuit = Circuit("CoinGecko", Probe(RateLimitedError("coingecko", 60.0)), sleep=Waits())
    circuit.observe(DOWN)
    await wait_until(lambda: circuit.error is None)
    assert circuit.probes == 1
    await circuit.aclose()


async def test_circuit_runs_one_probe_task_however_many_calls_fail() -> None:
    gate = asyncio.Event()

    async def held(_seconds: float) -> None:
        await gate.wait()

    probe = Probe()
    circuit = Circuit("Bitget", probe, sleep=held)
    for _ in range(20):
        circuit.observe(DOWN)
    gate.set()
    await wait_until(lambda: circuit.error is None)
    assert probe.calls == 1
    await circuit.aclose()


async def test_circuit_aclose_stops_the_probe() -> None:
    circuit = Circuit("Bitget", Probe(), first_probe_s=3600)
    circuit.observe(DOWN)
    await circuit.aclose()
    assert circuit.probes == 0
    assert circuit.error is not None  # closing the client does not pretend the host is back


async def test_circuit_gives_up_a_queued_wait_when_it_opens() -> None:
    circuit = Circuit("CoinGecko", Probe(), first_probe_s=3600)
    await circuit.unless_opened(asyncio.sleep(0))  # closed: the wait just completes
    never = asyncio.Event()
    waited = asyncio.ensure_future(circuit.unless_opened(never.wait()))
    await asyncio.sleep(0.01)
    assert not waited.done()
    circuit.observe(DOWN)
    with pytest.raises(UpstreamUnreachableError):
        await asyncio.wait_for(waited, 10)
    await circuit.aclose()


# -- the exchange behind its circuit ---------------------------------------------------------


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
async def exchange(script: Script) -> AsyncIterator[ExchangeService]:
    service = offline_exchange(script, probe_after_s=0.05)
    yield service
    await service.aclose()


async def test_exchange_unreachable_is_tried_once_then_fails_at_once(
    exchange: ExchangeService, script: Script
) -> None:
    script.to(COINS, unreachable(COINS))
    with pytest.raises(UpstreamUnreachableError) as first:
        await exchange.order_book("BTC")
    assert first.value.message == "Bitget is not reachable from this machine"
    assert "ExchangeNotAvailable: bitget GET https://api.bitget.com" in (first.value.details or "")
    assert script.paths() == [COINS]  # not retried
    with pytest.raises(UpstreamUnreachableError):
        await exchange.funding_rate("ETH")
    assert script.paths() == [COINS]  # known down: no request at all


async def test_exchange_circuit_closes_when_the_probe_gets_an_answer(
    exchange: ExchangeService, script: Script
) -> None:
    script.to(COINS, unreachable(COINS))
    script.to(TIME, unreachable(TIME), unreachable(TIME))
    with pytest.raises(UpstreamUnreachableError):
        await exchange.ticker("BTC")
    client = await exchange.client()
    await wait_until(lambda: client.circuit.error is None)
    assert script.paths().count(TIME) == 3  # two probes failed, the third got the server time
    assert (await exchange.ticker("BTC")).last == 37583.69


async def test_exchange_concurrent_calls_to_a_down_exchange_cost_one_failure(
    exchange: ExchangeService, script: Script
) -> None:
    script.delay_s[COINS] = 0.2  # the connection attempt takes a while to fail
    script.to(COINS, *[unreachable(COINS)] * 4)
    results = await asyncio.gather(
        *(exchange.order_book(coin) for coin in ("BTC", "ETH", "SOL")),
        exchange.funding_rate("BTC"),
        return_exceptions=True,
    )
    assert all(isinstance(r, UpstreamUnreachableError) for r in results)
    assert script.paths() == [COINS]  # ccxt shares one market load; nothing was retried


@pytest.mark.parametrize("failure", FAILURES)
async def test_real_ccxt_bitget_without_a_network_is_unreachable_in_plain_words(
    failure: Failure,
) -> None:
    service = unreachable_exchange(failure)
    try:
        with pytest.raises(UpstreamUnreachableError) as caught:
            await service.order_book("BTC")
        with pytest.raises(UpstreamUnreachableError):
            await service.funding_rate("BTC")
    finally:
        await service.aclose()
    assert caught.value.message == "Bitget is not reachable from this machine"
    details = caught.value.details or ""
    assert details.startswith("ExchangeNotAvailable: bitget GET http")  # kept for the log


# -- CoinGecko behind its circuit ------------------------------------------------------------


async def test_coingecko_request_queued_for_the_budget_fails_once_the_host_is_known_down() -> None:
    stuck = asyncio.Event()

    async def never_refills(_seconds: float) -> None:
        await stuck.wait()  # the budget's next token would take for ever

    limiter = TokenBucket(1, capacity=1, sleep=never_refills)
    async with httpx.AsyncClient() as http:
        client = CoinGeckoClient(http, base_url=closed_port_url(), limiter=limiter)
        results = await asyncio.wait_for(
            asyncio.gather(client.global_market(), client.trending(), return_exceptions=True), 10
        )
        await client.aclose()
    assert [type(r) for r in results] == [UpstreamUnreachableError] * 2


@pytest.mark.parametrize("failure", FAILURES)
async def test_coingecko_without_a_network_is_tried_once_then_answered_by_the_demo_market(
    failure: Failure,
) -> None:
    service = build_market_service(market_settings(coingecko_url(failure), "auto"))
    try:
        first = await service.get_price("BTC")
        again = await service.get_ohlc("SOL", "4h", 50)
        client = service.provider.client  # type: ignore[attr-defined]
        assert client.circuit.error is not None
        assert client.circuit.error.message == "CoinGecko is not reachable from this machine"
    finally:
        await service.aclose()
    for value in (first, again):
        assert (value.fallback, value.simulated) == (True, True)
