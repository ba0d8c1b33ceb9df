"""The offline analyst on the whole toolkit: exchange data, the market overview and trending
coins, and the stale and fallback labels of live data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cryptodesk.domain.events import Report, ToolCalled, ToolFinished
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.offline.report import FALLBACK_LABEL
from cryptodesk.market.cache import CacheTtls
from cryptodesk.market.service import build_market_service
from cryptodesk.tools.exchange import FundingResult, OrderBookResult
from tests.engines.checks import breadth_numbers, check_event_sequence, unexplained_numbers
from tests.engines.conftest import Desk
from tests.fakes import RecordingSink
from tests.market.fake_coingecko import FakeCoinGecko, Reply, closed_port_url, market_settings


async def _run(desk: Desk, question: str) -> tuple[RecordingSink, Report]:
    sink = RecordingSink()
    await desk.engine.run(RunRequest("run-1", "conv-1", question, (), 15), sink)
    return sink, check_event_sequence(sink.events, 15)


def _texts(sink: RecordingSink) -> list[str]:
    """Tool errors and previews: the report may restate what they say (e.g. a rate in %)."""
    finished = sink.of_type(ToolFinished)
    return [f.error for f in finished if f.error] + [f.result_preview for f in finished]


def _calls(sink: RecordingSink) -> list[tuple[str, str, bool]]:
    """(agent, tool, success) in the order of the calls (the calls of one turn run at once and
    may finish in any order)."""
    finished = {f.call_id: f for f in sink.of_type(ToolFinished)}
    return [(c.agent, c.tool_name, finished[c.call_id].success) for c in sink.of_type(ToolCalled)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def live_desk(coingecko: FakeCoinGecko) -> AsyncIterator[Desk]:
    market = build_market_service(market_settings(coingecko.url, "live"))
    yield Desk(market)
    await market.aclose()


# Exchange questions


async def test_exchange_question_reads_order_book_and_funding_per_coin(bitget_desk: Desk) -> None:
    sink, report = await _run(bitget_desk, "What's the order book and funding for BTC on Bitget?")
    assert ("ExchangeAnalyst", "get_order_book", True) in _calls(sink)
    assert ("ExchangeAnalyst", "get_funding_rate", True) in _calls(sink)
    assert "ExchangeAnalyst" in report.agents_used
    (book,) = [r for r in bitget_desk.results if isinstance(r, OrderBookResult)]
    (funding,) = [r for r in bitget_desk.results if isinstance(r, FundingResult)]
    assert (book.book.best_bid, book.book.best_ask, book.book.spread) == (39100.5, 39102.0, 1.5)
    content = report.content
    assert "# Bitcoin (BTC): order book and funding" in content
    assert "## Order book: BTC/USDT on bitget" in content
    assert "| 39,100.50 | 39,102.00 | 39,101.25 | 1.5000 | 0.38 |" in content
    assert "| ±1% of mid (at least) | 5.0730 | 198,353 | 12.7260 | 497,614 |" in content
    assert "| ±2% of mid (at least) |" in content
    assert "## Funding: BTC/USDT:USDT on bitget" in content
    assert "| Funding rate | -0.0013% per 8h |" in content
    assert funding.annualized_pct is not None
    assert f"| Annualised | {funding.annualized_pct:+.2f}% |" in content
    assert "| Next funding | 2025-04-24 16:00 UTC |" in content
    assert "| Open interest | 52,234.13 contracts |" in content
    assert "not available in this version" not in content  # the old placeholder is gone
    results = bitget_desk.results
    assert unexplained_numbers(content, results, _texts(sink)) == []


@pytest.mark.parametrize(
    "question",
    ["BTC spread and depth", "How liquid is ETH? Show the liquidity", "SOL open interest"],
)
async def test_exchange_words_send_the_exchange_analyst(bitget_desk: Desk, question: str) -> None:
    sink, _ = await _run(bitget_desk, question)
    tools = {tool for agent, tool, _ in _calls(sink) if agent == "ExchangeAnalyst"}
    assert tools == {"get_order_book", "get_funding_rate"}


async def test_exchange_question_about_an_unknown_coin_reports_it_missing(
    bitget_desk: Desk,
) -> None:
    sink, report = await _run(bitget_desk, "Order book of FOOCOIN")
    failed = [(tool, ok) for agent, tool, ok in _calls(sink) if agent == "ExchangeAnalyst"]
    assert failed == [("get_order_book", False), ("get_funding_rate", False)]
    assert [tool for _, tool, _ in _calls(sink)] == ["get_order_book", "get_funding_rate"]
    assert "could not run `get_order_book` for FOOCOIN" in report.content
    assert report.answer_kind == "cannot_answer"
    assert "## Order book" not in report.content
    assert unexplained_numbers(report.content, bitget_desk.results, _texts(sink)) == []


async def test_account_question_with_keys_lists_balances_and_open_orders(
    bitget_desk: Desk,
) -> None:
    sink, report = await _run(bitget_desk, "Show my balances and open orders")
    assert _calls(sink) == [
        ("ExchangeAnalyst", "get_balances", True),
        ("ExchangeAnalyst", "get_open_orders", True),
    ]
    assert "## Balances on bitget" in report.content
    assert "| USDT | 1,250.50 | 5.0000 | 1,255.50 |" in report.content
    assert "## Open orders on bitget" in report.content
    assert "| BTC/USDT | buy | limit | 25,000.00 |" in report.content
    assert unexplained_numbers(report.content, bitget_desk.results, _texts(sink)) == []


async def test_account_question_without_keys_fails_clearly(keyless_bitget_desk: Desk) -> None:
    sink, report = await _run(keyless_bitget_desk, "What's my portfolio on Bitget?")
    assert [(tool, ok) for _, tool, ok in _calls(sink)] == [
        ("get_balances", False),
        ("get_open_orders", False),
    ]
    assert "could not run `get_balances` for the account: Bitget needs API keys" in (report.content)
    assert "CRYPTODESK_EXCHANGE_API_KEY" in report.content
    assert "## Balances" not in report.content
    assert "No market data was retrieved" in report.content


# Market overview and trending coins


async def test_overview_in_replay_mode_lists_prices_and_says_why(replay_desk: Desk) -> None:
    sink, report = await _run(replay_desk, "How is the crypto market today?")
    tools = {tool for _, tool, _ in _calls(sink)}
    assert tools == {"get_crypto_price"}  # the replay market has no overview to ask for
    no_overview = "ℹ️ No market overview (the largest coins' prices instead): a market overview"
    assert f"{no_overview} needs live market data" in report.content
    assert "## Market breadth" in report.content
    assert "## Prices" in report.content and "## Market overview" not in report.content


async def test_overview_in_live_mode_uses_the_market_overview(
    live_desk: Desk, coingecko: FakeCoinGecko
) -> None:
    sink, report = await _run(live_desk, "Give me a market overview")
    assert [(tool, ok) for _, tool, ok in _calls(sink)] == [("get_market_overview", True)]
    assert "# Crypto market overview" in report.content
    assert "## Market overview" in report.content
    assert "Total market cap $" in report.content and "Dominance: BTC" in report.content
    assert "| 1 | Bitcoin (BTC) | $70,187.00 |" in report.content
    assert "source unavailable" not in report.content
    assert report.data_labels == ()
    assert unexplained_numbers(report.content, live_desk.results, _texts(sink)) == []
    # The bottom line is a synthesis: breadth, leaders, total market cap and dominance.
    assert report.bottom_line is not None and report.content.startswith(report.bottom_line)
    assert report.bottom_line.startswith("The market is broadly up over 24h: 1 of 1 large coins")
    assert "Total market cap $3.75T (+2.33% in 24h), BTC dominance 53.99%." in (report.bottom_line)
    assert "## Market overview" in report.content and "| Rose / fell / unchanged | 1 / 0 / 0 |" in (
        report.content
    )


async def test_price_in_euro_in_live_mode_comes_from_coingecko(
    live_desk: Desk, coingecko: FakeCoinGecko
) -> None:
    coingecko.serve(
        "/simple/price",
        {"bitcoin": {"eur": 61_234.5, "eur_24h_change": 2.5, "last_updated_at": 1711356300}},
    )
    sink, report = await _run(live_desk, "What is the price of BTC in EUR?")
    (called,) = sink.of_type(ToolCalled)
    assert called.arguments == {"coin": "bitcoin", "vs_currency": "eur"}
    assert report.answer_kind == "answered"
    assert (
        report.bottom_line
        == "BTC is $70,187.00 (61,234.50 EUR), +3.13% in 24h (as of 2024-04-07 16:49 UTC)."
    )
    assert "| Price (EUR) |" in report.content and "| 61,234.50 |" in report.content
    assert unexplained_numbers(report.content, live_desk.results, _texts(sink)) == []


async def test_history_beyond_the_keyless_plan_cannot_be_answered_and_says_why(
    live_desk: Desk, coingecko: FakeCoinGecko
) -> None:
    sink, report = await _run(live_desk, "What happened to BTC in May 2022?")
    assert [(tool, ok) for _, tool, ok in _calls(sink)] == [("get_price_history", False)]
    assert coingecko.count("/coins/bitcoin/market_chart/range") == 0
    assert report.answer_kind == "cannot_answer"
    assert report.bottom_line is not None
    assert report.bottom_line.startswith(
        "I can't show BTC in May 2022 (CoinGecko's keyless plan serves only the last 365 days"
    )


async def test_trending_question_in_live_mode_gets_trending_coins(live_desk: Desk) -> None:
    sink, report = await _run(live_desk, "What's trending right now?")
    assert [tool for _, tool, _ in _calls(sink)] == ["get_market_overview", "get_trending"]
    assert all(ok for _, _, ok in _calls(sink))
    assert "## Trending now" in report.content
    assert "## Technical analysis" not in report.content
    assert unexplained_numbers(report.content, live_desk.results, _texts(sink)) == []


async def test_overview_falls_back_to_prices_when_the_overview_fails(
    live_desk: Desk, coingecko: FakeCoinGecko
) -> None:
    coingecko.script("/global", *[Reply.json({"error": "down"}, 503)] * 3)
    sink, report = await _run(live_desk, "market overview")
    calls = _calls(sink)
    assert calls[0] == ("CryptoMarketAnalyst", "get_market_overview", False)
    assert {tool for _, tool, _ in calls[1:]} == {"get_crypto_price"}
    error = sink.of_type(ToolFinished)[0].error
    assert error == "CoinGecko answered with an error (a problem on its side)"  # not "HTTP 503"
    assert f"No market overview (the largest coins' prices instead): {error}" in report.content
    assert "## Prices" in report.content


async def test_auto_mode_offline_is_labelled_fallback_and_simulated() -> None:
    market = build_market_service(market_settings(closed_port_url(), "auto"))
    desk = Desk(market)
    try:
        sink, report = await _run(desk, "How is the market today?")
    finally:
        await market.aclose()
    calls = _calls(sink)
    assert calls[0][1:] == ("get_market_overview", False)
    assert all(ok for _, tool, ok in calls[1:] if tool == "get_crypto_price")
    assert report.data_labels == ("simulated", "fallback")
    assert FALLBACK_LABEL in report.content and "simulated" in report.content
    assert report.content.count("> ") == 1, "one labels line, no stack of banners"
    unreachable = "CoinGecko is not reachable from this machine"
    overview = f"No market overview (the largest coins' prices instead): {unreachable}"
    assert overview in report.content
    derived = breadth_numbers(desk.results)
    assert unexplained_numbers(report.content, desk.results, _texts(sink), derived) == []


async def test_stale_values_are_labelled_with_their_age(coingecko: FakeCoinGecko) -> None:
    clock = Clock()
    market = build_market_service(
        market_settings(coingecko.url, "live"),
        ttls=CacheTtls(price_s=30, stale_s=600),
        clock=clock,
    )
    desk = Desk(market)
    try:
        await market.get_price("BTC")
        clock.now += 95
        coingecko.script("/coins/markets", *[Reply.json({"error": "down"}, 503)] * 3)
        sink, report = await _run(desk, "What is the price of Bitcoin?")
    finally:
        await market.aclose()
    assert [(tool, ok) for _, tool, ok in _calls(sink)] == [("get_crypto_price", True)]
    assert "stale" in report.data_labels and "fallback" not in report.data_labels
    assert (
        "⏳ Stale (the live source failed, the last values fetched are shown): BTC price (95 s old)"
        in (report.content)
    )
    assert unexplained_numbers(report.content, desk.results, _texts(sink)) == []
