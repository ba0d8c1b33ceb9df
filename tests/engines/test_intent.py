from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cryptodesk.engines.base import HistoryMessage
from cryptodesk.engines.offline.intent import parse_intent
from cryptodesk.engines.offline.plan import plan


def _symbols(question: str) -> list[str]:
    return [coin.symbol for coin in parse_intent(question).coins]


@pytest.mark.parametrize(
    ("question", "timeframe"),
    [
        ("Analyze ETH on the 4h chart", "4h"),
        ("ETH 4-hour chart", "4h"),
        ("BTC 4 hour candles", "4h"),
        ("hourly chart of doge", "1h"),
        ("daily analysis of BTC", "1d"),
        ("BTC weekly", "1w"),
        ("ETH 15m chart", "15m"),
        ("BTC on the 3h chart", "3h"),
        ("analyze BTC", "4h"),
    ],
)
def test_intent_reads_the_timeframe(question: str, timeframe: str) -> None:
    assert parse_intent(question).timeframe == timeframe


@pytest.mark.parametrize(
    ("question", "period", "timeframe"),
    [
        ("Compare SOL and AVAX this month", "30d", "4h"),
        ("How did BTC do this week?", "7d", "1h"),
        ("Compare BTC vs ETH over the last 90 days", "90d", "1d"),
        ("ETH over the past 4 hours", "24h", "1h"),
    ],
)
def test_intent_reads_the_lookback(question: str, period: str, timeframe: str) -> None:
    intent = parse_intent(question)
    assert (intent.period, intent.timeframe) == (period, timeframe)


def test_intent_price_question_is_price_only() -> None:
    intent = parse_intent("What is the price of Bitcoin?")
    assert intent.price and not (intent.technical or intent.chart or intent.comparison)
    assert _symbols("What is the price of Bitcoin?") == ["BTC"]


@pytest.mark.parametrize("question", ["RSI of ETH", "ETH support and resistance", "ETH trend"])
def test_intent_technical_words_imply_a_chart(question: str) -> None:
    intent = parse_intent(question)
    assert intent.technical and intent.chart


def test_intent_chart_words_ask_for_a_chart_only() -> None:
    intent = parse_intent("plot solana")
    assert intent.chart and not intent.technical


@pytest.mark.parametrize("question", ["BTC vs ETH", "compare sol with avax", "SOL AVAX DOT"])
def test_intent_comparison_from_words_or_several_coins(question: str) -> None:
    assert parse_intent(question).comparison


def test_intent_market_overview_without_coins() -> None:
    intent = parse_intent("How is the crypto market today?")
    assert intent.overview and not intent.needs_coin


def test_intent_needs_a_coin_when_none_is_named() -> None:
    assert parse_intent("what do you think?").needs_coin


def test_intent_keeps_unknown_tickers_so_the_answer_can_say_why() -> None:
    intent = parse_intent("price of FOOCOIN and RSI of BTC in USD")
    assert intent.unknown_coins == ("FOOCOIN",)
    assert intent.coin_queries == ("bitcoin", "FOOCOIN")


def test_intent_does_not_take_words_for_coins() -> None:
    assert _symbols("is the price near the support? link please") == []


def test_intent_follow_up_takes_coins_from_history() -> None:
    history = (HistoryMessage("user", "Analyze SOL"), HistoryMessage("assistant", "report"))
    assert [c.symbol for c in parse_intent("and weekly?", history).coins] == ["SOL"]


def test_plan_assigns_tools_to_the_roster() -> None:
    tasks = plan(parse_intent("Analyze ETH and compare it with BTC"), ("bitcoin", "ethereum"))
    calls = [(task.agent, call.tool) for task in tasks for call in task.calls]
    assert calls == [
        ("CryptoMarketAnalyst", "get_crypto_price"),
        ("CryptoMarketAnalyst", "get_crypto_price"),
        ("CryptoMarketAnalyst", "compare_assets"),
        ("TechnicalAnalyst", "compute_indicators"),
        ("TechnicalAnalyst", "find_key_levels"),
        ("TechnicalAnalyst", "detect_patterns"),
        ("TechnicalAnalyst", "assess_outlook"),
        ("TechnicalAnalyst", "compute_indicators"),
        ("TechnicalAnalyst", "find_key_levels"),
        ("TechnicalAnalyst", "detect_patterns"),
        ("TechnicalAnalyst", "assess_outlook"),
        ("ChartingAgent", "create_comparison_chart"),
        ("ChartingAgent", "create_chart"),
        ("ChartingAgent", "create_chart"),
    ]


def test_plan_overview_prices_the_largest_available_coins() -> None:
    (task,) = plan(parse_intent("market overview"), ("litecoin", "ethereum", "bitcoin"))
    assert [call.arguments["coin"] for call in task.calls] == ["bitcoin", "ethereum", "litecoin"]


@pytest.mark.parametrize(
    ("question", "indicators"),
    [
        ("BTC ADX and stochastic", ("adx", "stoch")),
        ("ETH stoch RSI", ("stoch",)),
        ("SOL on-balance volume and VWAP", ("obv", "vwap")),
        ("Analyze ETH", ()),
    ],
)
def test_intent_reads_indicators_named_beyond_the_standard_set(
    question: str, indicators: tuple[str, ...]
) -> None:
    intent = parse_intent(question)
    assert intent.indicators == indicators
    assert intent.technical


def test_intent_does_not_take_indicator_names_for_coins() -> None:
    intent = parse_intent("BTC ADX OBV VWAP")
    assert [coin.symbol for coin in intent.coins] == ["BTC"]
    assert intent.unknown_coins == ()


def test_intent_treats_pattern_questions_as_technical() -> None:
    assert parse_intent("Any candlestick patterns on ETH?").technical


@pytest.mark.parametrize(
    "question",
    [
        "What's the order book and funding for BTC on Bitget?",
        "BTC spread",
        "ETH bid/ask depth",
        "SOL open interest",
        "How is the liquidity of DOGE?",
        "BTC perp funding",
        "BTC on Bitget",
    ],
)
def test_intent_reads_exchange_questions(question: str) -> None:
    intent = parse_intent(question)
    assert intent.exchange and not intent.account
    assert intent.unknown_coins == ()


def test_intent_in_depth_is_not_order_book_depth() -> None:
    assert not parse_intent("in-depth analysis of ETH").exchange
    assert not parse_intent("an in depth look at ETH").exchange


@pytest.mark.parametrize(
    "question",
    ["What's my balance?", "show my orders", "my open orders on Bitget", "How is my portfolio?"],
)
def test_intent_reads_account_questions_without_a_coin(question: str) -> None:
    intent = parse_intent(question)
    assert intent.account and not intent.needs_coin


@pytest.mark.parametrize(
    "question", ["What's trending?", "hot coins today", "top movers", "biggest gainers"]
)
def test_intent_trending_is_a_market_question(question: str) -> None:
    intent = parse_intent(question)
    assert intent.trending and intent.overview and not intent.needs_coin
    assert not (intent.technical or intent.chart)


def test_intent_trend_of_a_coin_stays_technical() -> None:
    intent = parse_intent("Is BTC trending up?")
    assert intent.technical and not intent.trending and not intent.overview


def test_plan_exchange_question_reads_book_and_funding_per_coin() -> None:
    intent = parse_intent("order book and funding of BTC and ETH on Bitget")
    tasks = [t for t in plan(intent, (), exchange="bitget") if t.agent == "ExchangeAnalyst"]
    assert [(c.tool, c.arguments) for t in tasks for c in t.calls] == [
        ("get_order_book", {"symbol": "BTC"}),
        ("get_funding_rate", {"coin": "BTC"}),
        ("get_order_book", {"symbol": "ETH"}),
        ("get_funding_rate", {"coin": "ETH"}),
    ]
    assert all("bitget" in t.instruction for t in tasks)


def test_plan_account_question_reads_balances_and_open_orders() -> None:
    (task,) = plan(parse_intent("What are my balances and open orders?"), ())
    assert task.agent == "ExchangeAnalyst"
    assert [(c.tool, c.arguments) for c in task.calls] == [
        ("get_balances", {}),
        ("get_open_orders", {}),
    ]
    account = plan(parse_intent("my open orders on BTC"), ())[-1]
    assert [(c.tool, c.arguments) for c in account.calls] == [
        ("get_balances", {}),
        ("get_open_orders", {"symbol": "BTC"}),
    ]


def test_plan_overview_with_a_live_directory_falls_back_to_prices() -> None:
    (task,) = plan(parse_intent("what is trending?"), ("bitcoin", "ethereum"), directory=True)
    assert [call.tool for call in task.calls] == ["get_market_overview", "get_trending"]
    assert task.fallback is not None
    assert [c.arguments["coin"] for c in task.fallback.calls] == ["bitcoin", "ethereum"]
    (plain,) = plan(parse_intent("market overview"), ("bitcoin",), directory=True)
    assert [call.tool for call in plain.calls] == ["get_market_overview"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Should I buy DOGE now?", "decision"),
        ("Is now a good entry for SOL?", "decision"),
        ("Is BTC overbought?", "overbought"),
        ("is eth oversold on the 1h chart", "oversold"),
        ("Find support and resistance for BTC 1d", "levels"),
        ("Why did BTC drop today?", "news"),
        ("How did BTC do this week?", "performance"),
    ],
)
def test_intent_reads_the_kind_of_question(question: str, kind: str) -> None:
    intent = parse_intent(question)
    found = {
        "decision": intent.decision,
        "overbought": intent.extremes == "overbought",
        "oversold": intent.extremes == "oversold",
        "levels": intent.levels,
        "news": intent.news,
        "performance": intent.performance,
    }
    assert [name for name, asked in found.items() if asked] == [kind]


def test_intent_reads_a_history_window_and_keeps_its_digits_out_of_the_timeframe() -> None:
    intent = parse_intent("What happened to LUNA in May 2022?")
    assert intent.history is not None
    assert (intent.history.start, intent.history.end) == (
        datetime(2022, 5, 1, tzinfo=UTC),
        datetime(2022, 6, 1, tzinfo=UTC),
    )
    assert intent.history.label == "May 2022"
    assert intent.unknown_coins == ("LUNA",) and not intent.technical


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("BTC price history in 2021", "2021-01-01", "2022-01-01"),
        ("what happened to ETH on 2024-03-14", "2024-03-14", "2024-03-15"),
        ("BTC history between 2024-01-01 and 2024-02-01", "2024-01-01", "2024-02-02"),
        ("what happened to SOL in December 2025", "2025-12-01", "2026-01-01"),
    ],
)
def test_intent_reads_history_windows(question: str, start: str, end: str) -> None:
    window = parse_intent(question).history
    assert window is not None
    assert (window.start.date().isoformat(), window.end.date().isoformat()) == (start, end)


@pytest.mark.parametrize(
    ("question", "currency"),
    [("price of ETH in EUR", "eur"), ("BTC in euros", "eur"), ("SOL priced in BTC", "btc")],
)
def test_intent_reads_the_quote_currency(question: str, currency: str) -> None:
    assert parse_intent(question).currency == currency


def test_intent_reads_an_entry_zone_of_a_decision_question() -> None:
    assert parse_intent("Should I buy SOL at 140-145?").entry_zone == (140.0, 145.0)
    assert parse_intent("Should I buy ETH at $2,500?").entry_zone == (2500.0, 2500.0)
    assert parse_intent("Analyze ETH at 2500").entry_zone is None


def test_intent_follow_up_keeps_the_coins_timeframe_and_kind() -> None:
    history = (
        HistoryMessage("user", "Analyze BTC on the 1d chart"),
        HistoryMessage("assistant", "…"),
    )
    intent = parse_intent("and ETH?", history)
    assert [c.symbol for c in intent.coins] == ["ETH"]
    assert (intent.timeframe, intent.technical, intent.chart) == ("1d", True, True)


def test_intent_follow_up_of_a_follow_up_keeps_the_first_timeframe() -> None:
    history = (
        HistoryMessage("user", "Is BTC overbought on 1h?"),
        HistoryMessage("assistant", "…"),
        HistoryMessage("user", "and ETH?"),
        HistoryMessage("assistant", "…"),
    )
    intent = parse_intent("what about SOL?", history)
    assert [c.symbol for c in intent.coins] == ["SOL"]
    assert (intent.timeframe, intent.extremes) == ("1h", "overbought")


def test_intent_follow_up_changes_what_the_question_changes() -> None:
    history = (
        HistoryMessage("user", "Analyze BTC on the 1d chart"),
        HistoryMessage("assistant", "…"),
    )
    intent = parse_intent("and on the 4h?", history)
    assert [c.symbol for c in intent.coins] == ["BTC"] and intent.timeframe == "4h"
    price = parse_intent("What is the price of ETH?", history)
    assert price.price and not price.technical


def test_intent_compare_follow_up_adds_the_conversations_coin() -> None:
    history = (HistoryMessage("user", "Analyze SOL"), HistoryMessage("assistant", "…"))
    intent = parse_intent("compare it with AVAX", history)
    assert [c.symbol for c in intent.coins] == ["SOL", "AVAX"] and intent.comparison


def test_plan_of_a_decision_question_assesses_the_outlook_with_the_entry_zone() -> None:
    tasks = plan(parse_intent("Should I buy SOL at 140-145?"), ("solana",))
    calls = {call.tool: call.arguments for task in tasks for call in task.calls}
    assert set(calls) == {
        "get_crypto_price",
        "compute_indicators",
        "find_key_levels",
        "assess_outlook",
        "create_chart",
    }
    assert "adx" in calls["compute_indicators"]["indicators"]  # type: ignore[operator]
    assert (calls["assess_outlook"]["entry_low"], calls["assess_outlook"]["entry_high"]) == (
        140.0,
        145.0,
    )


def test_plan_of_a_history_question_only_reads_the_history() -> None:
    tasks = plan(parse_intent("What happened to BTC in May 2022?"), ("bitcoin",))
    ((tool, arguments),) = [(c.tool, c.arguments) for t in tasks for c in t.calls]
    assert tool == "get_price_history"
    assert arguments == {
        "coin": "bitcoin",
        "start": "2022-05-01T00:00:00+00:00",
        "end": "2022-06-01T00:00:00+00:00",
    }


def test_plan_asks_for_another_currency_only_from_live_data() -> None:
    intent = parse_intent("price of ETH in EUR")
    live = [c.arguments for t in plan(intent, ("ethereum",), directory=True) for c in t.calls]
    offline = [c.arguments for t in plan(intent, ("ethereum",)) for c in t.calls]
    assert live == [{"coin": "ethereum", "vs_currency": "eur"}]
    assert offline == [{"coin": "ethereum"}]


@pytest.mark.parametrize("question", ["BTC vs ETH", "compare SOL to BTC", "SOL versus ETH"])
def test_intent_comparisons_name_no_quote_currency(question: str) -> None:
    assert parse_intent(question).currency is None


def test_plan_draws_a_comparison_chart_when_a_comparison_is_asked_for() -> None:
    def charts(question: str) -> list[str]:
        tasks = plan(parse_intent(question), ("solana", "avalanche-2"))
        return [c.tool for t in tasks for c in t.calls if c.tool.startswith("create_")]

    assert charts("Chart SOL and AVAX on the 4h") == ["create_chart", "create_chart"]
    assert charts("Compare SOL and AVAX on a chart") == [
        "create_comparison_chart",
        "create_chart",
        "create_chart",
    ]
    assert charts("SOL vs AVAX this month") == ["create_comparison_chart"]
