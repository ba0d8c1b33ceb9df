"""Exchange tools through the registry and the invoker, on the offline Bitget of ccxt."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from cryptodesk.market.exchange_errors import ExchangeNotConfiguredError
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.exchange import (
    BalancesResult,
    FundingResult,
    OpenOrdersResult,
    OrderBookResult,
)
from cryptodesk.tools.invoker import ToolInvoker
from cryptodesk.tools.registry import build_registry
from tests.fakes import RecordingSink
from tests.offline_bitget import API_KEY, API_SECRET, PASSPHRASE, Script, offline_exchange

REGISTRY = build_registry()
EXCHANGE_TOOLS = ("get_order_book", "get_funding_rate", "get_balances", "get_open_orders")


@pytest.fixture
async def exchange() -> AsyncIterator[ExchangeService]:
    service = offline_exchange(Script())
    yield service
    await service.aclose()


@pytest.fixture
async def keyless() -> AsyncIterator[ExchangeService]:
    service = offline_exchange(Script(), keys=False)
    yield service
    await service.aclose()


@pytest.fixture
def with_exchange(context: ToolContext, exchange: ExchangeService) -> ToolContext:
    return dataclasses.replace(context, exchange=exchange)


async def test_get_order_book_reports_spread_and_depth(with_exchange: ToolContext) -> None:
    result = await REGISTRY.get("get_order_book").invoke(
        with_exchange, {"symbol": "BTC/USDT", "depth": 5}
    )
    assert isinstance(result, OrderBookResult)
    assert (result.book.best_bid, result.book.best_ask, result.book.spread) == (
        39100.5,
        39102.0,
        1.5,
    )
    assert len(result.book.bids) == len(result.book.asks) == 3
    preview = result.preview()
    assert len(preview) <= 500
    assert "BTC/USDT on bitget: bid 39,100.50 / ask 39,102.00, spread 1.5000 (0.38 bps)" in preview
    assert "within ±1%: bids 5.0730 BTC (198,353 USDT), asks 12.7260 BTC (497,614 USDT)" in preview
    assert "at least" in preview  # the three fetched levels end inside the bands


async def test_get_funding_rate_reports_rate_next_funding_and_open_interest(
    with_exchange: ToolContext,
) -> None:
    """On the CONSTRUCTED mix-market payloads of tests/offline_bitget.py."""
    result = await REGISTRY.get("get_funding_rate").invoke(with_exchange, {"coin": "bitcoin"})
    assert isinstance(result, FundingResult)
    assert result.funding.rate == -0.000013
    assert result.annualized_pct == pytest.approx(-0.000013 * 100 * 3 * 365)
    assert result.open_interest is not None and result.open_interest.amount == 52234.134
    preview = result.preview()
    assert len(preview) <= 500
    assert preview.startswith("BTC/USDT:USDT on bitget: funding -0.0013% per 8h")
    assert "next funding 2025-04-24 16:00 UTC" in preview
    assert "open interest 52,234.13 contracts" in preview


async def test_get_balances_lists_non_zero_balances(with_exchange: ToolContext) -> None:
    result = await REGISTRY.get("get_balances").invoke(with_exchange, {})
    assert isinstance(result, BalancesResult)
    assert [b.currency for b in result.balances.balances] == ["BTC", "USDT"]
    assert "BTC 0.01250 (free 0.01230), USDT 1,255.50 (free 1,250.50)" in result.preview()


async def test_get_open_orders_lists_the_orders(with_exchange: ToolContext) -> None:
    result = await REGISTRY.get("get_open_orders").invoke(with_exchange, {"symbol": "BTCUSDT"})
    assert isinstance(result, OpenOrdersResult)
    assert [o.id for o in result.orders.orders] == ["1111499608327360513"]
    assert "1 open orders on BTC/USDT on bitget: BTC/USDT buy limit 0.0002000 @ 25,000.00" in (
        result.preview()
    )


@pytest.mark.parametrize("tool", ["get_balances", "get_open_orders"])
async def test_private_tools_without_keys_fail_saying_how_to_configure_them(
    context: ToolContext, keyless: ExchangeService, tool: str
) -> None:
    sink = RecordingSink()
    invoker = ToolInvoker(REGISTRY, dataclasses.replace(context, exchange=keyless), sink, 5.0)
    outcome = await invoker.call("TraderAgent", tool, {})
    assert not outcome.success and outcome.error is not None
    assert "Bitget needs API keys for this: set CRYPTODESK_EXCHANGE_API_KEY" in outcome.error
    assert "CRYPTODESK_EXCHANGE_API_PASSPHRASE" in outcome.error


@pytest.mark.parametrize("tool", EXCHANGE_TOOLS)
async def test_exchange_tools_without_an_exchange_fail_with_a_typed_error(
    context: ToolContext, tool: str
) -> None:
    arguments = {"symbol": "BTC"} if tool == "get_order_book" else {}
    if tool == "get_funding_rate":
        arguments = {"coin": "BTC"}
    with pytest.raises(ExchangeNotConfiguredError, match="no exchange configured"):
        await REGISTRY.get(tool).invoke(context, arguments)


async def test_exchange_tool_events_never_show_the_keys(with_exchange: ToolContext) -> None:
    sink = RecordingSink()
    invoker = ToolInvoker(REGISTRY, with_exchange, sink, 5.0)
    for tool in ("get_balances", "get_open_orders"):
        assert (await invoker.call("TraderAgent", tool, {})).success
    text = repr(sink.events)
    for secret in (API_KEY, API_SECRET, PASSPHRASE):
        assert secret not in text


def test_exchange_tools_publish_argument_and_result_schemas() -> None:
    schemas = {schema["name"]: schema for schema in REGISTRY.schemas()}
    book = schemas["get_order_book"]
    assert book["parameters"]["required"] == ["symbol"]
    assert book["parameters"]["properties"]["depth"]["maximum"] == 100
    assert "book" in book["result"]["properties"]
    assert schemas["get_funding_rate"]["parameters"]["required"] == ["coin"]
    assert schemas["get_balances"]["parameters"]["properties"] == {}
    assert "required" not in schemas["get_open_orders"]["parameters"]
