"""The questions traders ask, through the real server (uvicorn, WebSocket, SQLite), in replay mode
(the real Binance candles, with the offline ccxt Bitget as the exchange) and in demo mode.

For each: the run completes with one result whose bottom line answers what was asked (and opens
the report), the kind of answer, the outlook's fields, and every number of the outlook equal to
what the run's tools return on the same candles. One server per mode serves every question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import Outlook
from cryptodesk.engines.offline.sections.outlook import SCENARIOS_NOTE
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from tests.offline_bitget import Script, offline_exchange
from tests.runtime.client import ask, chat
from tests.runtime.grounding import check_confluence, check_outlook_numbers, check_signal_calls
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running
from tests.shared import shared_market_path

Frame = dict[str, Any]
REPLAY_DIR = shared_market_path() / "binance_spot_1h"
HIGHER = {"1h": "4h", "4h": "1d", "1d": "1w"}


@dataclass(frozen=True)
class Case:
    question: str
    kind: str
    bottom: tuple[str, ...] = ()
    """Regular expressions the bottom line matches."""
    outlooks: int = 0
    before: tuple[str, ...] = ()
    """Earlier questions of the same conversation (for follow-ups)."""
    check: Callable[[Frame, list[Frame]], None] | None = field(default=None, compare=False)


def _timeframe(expected: str) -> Callable[[Frame, list[Frame]], None]:
    def check(result: Frame, _: list[Frame]) -> None:
        assert {o["timeframe"] for o in result["outlook"]} == {expected}

    return check


def _scenarios_once(result: Frame, _: list[Frame]) -> None:
    assert result["content"].count(SCENARIOS_NOTE) == 1
    (o,) = result["outlook"]
    assert [s["kind"] for s in o["scenarios"]] == ["bull", "bear"]


def _risk_reward(result: Frame, _: list[Frame]) -> None:
    (o,) = result["outlook"]
    bull = o["scenarios"][0]
    assert bull["entry_zone"] == [78.0, 80.0]
    assert bull["risk_reward"] is None or bull["risk_reward"] > 0


def _comparison_chart(result: Frame, frames: list[Frame]) -> None:
    charts = [f for f in frames if f["type"] == "chart_generated"]
    assert any("% change over" in c["title"] for c in charts), charts
    assert result["charts"] == [c["chart_id"] for c in charts]


def _lagging(result: Frame, _: list[Frame]) -> None:
    assert "stale" in result["data_labels"] and "replay" in result["data_labels"]
    assert (
        "Stale relative to the rest: BTC (price, comparison) data ends 9d 17h"
        in (result["content"])
    )


def _doge_precision(result: Frame, _: list[Frame]) -> None:
    """A low-priced coin keeps its digits: SMA50 0.07413, MACD -0.0005332, never 0.07 / -0.00."""
    content = result["content"]
    for name in ("SMA50", "SMA200", "EMA20", "MACD", "Signal", "ATR14", "BB upper", "BB lower"):
        row = re.search(rf"^\| {re.escape(name)} \| (-?[\d.,]+) \|", content, re.M)
        assert row is not None, name
        digits = row.group(1).lstrip("-").replace("0.", "").lstrip("0")
        assert len(digits) >= 3, (name, row.group(1))
    assert not re.search(r"\| (0\.0|-0\.00|0\.00) \|", content)
    (o,) = result["outlook"]
    assert re.search(rf"{AT}{re.escape(fmt.price(o['price']))}{NOW}: ", result["bottom_line"])
    assert re.fullmatch(r"0\.0\d{4}", fmt.price(o["price"]))


def _no_tools(result: Frame, frames: list[Frame]) -> None:
    assert not [f for f in frames if f["type"] == "tool_call"]


def _both_sides(result: Frame, _: list[Frame]) -> None:
    (o,) = result["outlook"]
    assert o["support"] is not None or "no support" in (o["levels_note"] or "")
    assert o["resistance"] is not None or "no resistance" in (o["levels_note"] or "")
    assert o["support"] is None or o["support"] < o["price"]
    assert o["resistance"] is None or o["resistance"] > o["price"]


PRICE = r"is \$[\d,]+\.\d{2}, [+-]\d+\.\d{2}% in 24h \(as of \d{4}-\d\d-\d\d \d\d:\d\d UTC\)"
# The outlook's close, and the latest price when it has moved since that close.
AT = r"(?: at |, last close )"
NOW = r"(?: \(now [\d,.]+\))?"
LEAN = r"(bullish|bearish|neutral) \(strength (0|1|0\.\d+)\)"
VERDICT = r"^(Yes|No|Partly): "
REPLAY_CASES = (
    Case("What is the price of Bitcoin?", "answered", (rf"^BTC {PRICE}\.$",)),
    Case("How much is DOGE?", "answered", (r"^DOGE is \$0\.0\d{4}, ",)),
    Case(
        "What is the price of ETH in EUR?",
        "partial",
        (rf"^ETH {PRICE}\.", r"Only USD\(T\) prices are available from replayed data"),
    ),
    Case(
        "Analyze ETH on the 4h chart",
        "answered",
        (rf"^ETH on 4h{AT}1,\d{{3}}\.\d\d{NOW}: {LEAN}",),
        1,
    ),
    Case(
        "Technical analysis of DOGE on the 4h chart",
        "answered",
        (rf"^DOGE on 4h{AT}0\.0\d{{4}}{NOW}: ",),
        1,
        check=_doge_precision,
    ),
    Case("Is BTC overbought?", "answered", (VERDICT, r"RSI14 \d", r"Stochastic %K \d")),
    Case("Is ETH oversold on the 1h chart?", "answered", (VERDICT + r".* oversold on 1h",)),
    Case("Is SOL overbought on the daily?", "answered", (VERDICT + r".* on 1d",)),
    Case(
        "Find support and resistance for BTC 1d",
        "answered",
        (
            r"^BTC on 1d at [\d,.]+: nearest (support [\d,.]+|no support).*"
            r" and (resistance|no resistance)",
        ),
        1,
        check=_both_sides,
    ),
    Case(
        "Key levels for LINK",
        "answered",
        (r"nearest support .* and resistance ",),
        1,
        check=_both_sides,
    ),
    Case(
        "Should I buy DOGE now?",
        "answered",
        (rf"^The data leans {LEAN} for DOGE on 4h{AT}0\.0\d{{4}}{NOW}: ", r"Nearest support"),
        1,
        check=_scenarios_once,
    ),
    Case(
        "Is now a good entry for SOL at 78-80?",
        "answered",
        (r"From 78\.00–80\.00", r"risk/reward"),
        1,
        check=_risk_reward,
    ),
    Case("Should I sell XRP?", "answered", (rf"^The data leans {LEAN} for XRP",), 1),
    Case(
        "Compare SOL and AVAX this month",
        "answered",
        (r"^Over 30d \(2026-06-02 to 2026-07-02, 4h candles\) (SOL|AVAX) did best",),
        check=_comparison_chart,
    ),
    Case(
        "Compare BTC, ETH and SOL over the last 7 days",
        "answered",
        (r"^Over 7d \(2026-06-15 to 2026-06-22, 1h candles\)", r"BTC's data ends 9d 17h"),
        check=_lagging,
    ),
    Case("BTC vs ETH", "answered", (r"^Over 30d \(", r" did best and ")),
    Case(
        "How is the crypto market today?",
        "answered",
        (r"^The market is (broadly up|broadly down|mixed|flat) over 24h: \d of 8 large coins",),
    ),
    Case(
        "What's trending?",
        "partial",
        (r"^The market is ", r"Which coins are trending needs live CoinGecko data\.$"),
    ),
    Case(
        "What happened to BTC in November 2025?",
        "answered",
        (r"^In November 2025: BTC went from [\d,.]+ to [\d,.]+ \([+-]\d+\.\d\d%\)",),
    ),
    Case(
        "What happened to LUNA in May 2022?",
        "cannot_answer",
        (
            r"^I don't know a coin called LUNA in the replay data\.",
            r"can't show its price in May 2022",
        ),
        check=_no_tools,
    ),
    Case(
        "What happened to ETH in May 2022?",
        "cannot_answer",
        (r"^I can't show ETH in May 2022 \(the replay files for ETH cover 2026-04-03",),
    ),
    Case("How did SOL do this week?", "answered", (r"^In 7d: SOL went from",)),
    Case(
        "Why did BTC drop today?",
        "cannot_answer",
        (r"^I can't answer why from market data", rf"What the data shows: BTC {PRICE}"),
    ),
    Case(
        "What is the price of ETHERIUM?",
        "clarification",
        (r"^I don't know a coin called ETHERIUM .* Did you mean Ethereum \(ETH\)\?$",),
        check=_no_tools,
    ),
    Case(
        "Analyze TRX",
        "clarification",
        (r"^The replay data has no TRON \(TRX\) data\.$",),
        check=_no_tools,
    ),
    Case("How is it going?", "clarification", (r"^Which coin do you mean\?",), check=_no_tools),
    Case("Analyze ETH on the 15m chart", "partial", (r"^ETH is \$",)),
    Case(
        "and ETH?",
        "answered",
        (rf"^ETH on 1d{AT}",),
        1,
        before=("Analyze BTC on the 1d chart",),
        check=_timeframe("1d"),
    ),
    Case(
        "and SOL?",
        "answered",
        (VERDICT + r".*SOL.* overbought on 1h",),
        before=("Is BTC overbought on 1h?",),
    ),
    Case(
        "What's the order book and funding for BTC on Bitget?",
        "answered",
        (r"^BTC/USDT on bitget: best bid 39,100\.50, best ask 39,102\.00",),
    ),
    Case("Show my balances and open orders", "answered", (r"non-zero balances on bitget",)),
)
DEMO_CASES = (
    Case("What is the price of Bitcoin?", "answered", (rf"^BTC {PRICE}\.$",)),
    Case(
        "What is the price of ETH in GBP?",
        "partial",
        (r"Only USD\(T\) prices are available from demo data, so there is no GBP price\.",),
    ),
    Case("How much is SHIB?", "answered", (r"^SHIB is \$0\.0000\d{4}, ",)),
    Case(
        "Analyze DOGE on the 4h chart", "answered", (rf"^DOGE on 4h{AT}0\.\d{{4}}{NOW}: {LEAN}",), 1
    ),
    Case("Is BTC overbought?", "answered", (VERDICT, r"RSI14", r"Stochastic %K")),
    Case("Is LINK oversold on the 1h chart?", "answered", (VERDICT + r".* oversold on 1h",)),
    Case(
        "Find support and resistance for BTC 1d",
        "answered",
        (r"^BTC on 1d at [\d,.]+: nearest ",),
        1,
        check=_both_sides,
    ),
    Case("Support and resistance of XRP", "answered", (r"nearest ",), 1, check=_both_sides),
    Case(
        "Should I buy ETH?",
        "answered",
        (rf"^The data leans {LEAN} for ETH on 4h",),
        1,
        check=_scenarios_once,
    ),
    Case("Should I short DOGE at 0.2?", "answered", (r"^The data leans ", r"From 0\.2000"), 1),
    Case(
        "Compare SOL, AVAX and DOT over 90 days",
        "answered",
        (r"^Over 90d \(",),
        check=_comparison_chart,
    ),
    Case("Compare BTC and ETH", "answered", (r"^Over 30d \(",)),
    Case("Market overview", "answered", (r"^The market is .* of 8 large coins rose",)),
    Case(
        "What happened to BTC in May 2022?",
        "cannot_answer",
        (r"^I can't show BTC in May 2022 \(the demo market is simulated",),
    ),
    Case("Why is ETH pumping?", "cannot_answer", (r"^I can't answer why from market data",)),
    Case(
        "price of FOOBARCOIN",
        "clarification",
        (r"^I don't know a coin called FOOBARCOIN in the demo data\.",),
        check=_no_tools,
    ),
    Case(
        "and AVAX?",
        "answered",
        (rf"^AVAX on 1d{AT}",),
        1,
        before=("Analyze SOL on the daily chart",),
        check=_timeframe("1d"),
    ),
)


def _settings(tmp: Path, mode: str) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp / mode, "market_data": mode}
    if mode == "replay":
        values["replay_dir"] = REPLAY_DIR
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="module")
def replay_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = _settings(tmp_path_factory.mktemp("suite"), "replay")
    with running(create_app(settings, exchange=offline_exchange(Script()))) as server:
        yield server


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running(create_app(_settings(tmp_path_factory.mktemp("suite"), "demo"))) as server:
        yield server


async def _answer(server: LiveServer, case: Case) -> tuple[Frame, list[Frame]]:
    conversation: dict[str, str] = {}
    for question in (*case.before, case.question):
        frames = await ask(server.ws, chat(question, **conversation), timeout=90)
        run = [f for f in frames if f.get("seq") is not None]
        check_run(run, expect="completed")
        conversation = {"conversation_id": run[0]["conversation_id"]}
    (result,) = [f for f in run if f["type"] == "result"]
    return result, run


def _check_answer(case: Case, result: Frame, frames: list[Frame]) -> list[Outlook]:
    line = result["bottom_line"]
    assert line and result["content"].startswith(line), result["content"][:300]
    assert result["answer_kind"] == case.kind, (line, result["answer_kind"])
    for pattern in case.bottom:
        assert re.search(pattern, line), (pattern, line)
    assert len(result["outlook"]) == case.outlooks, result["outlook"]
    if case.check is not None:
        case.check(result, frames)
    outlooks = [Outlook.model_validate(o) for o in result["outlook"]]
    for outlook in outlooks:
        assert outlook.bias in ("bullish", "bearish", "neutral") and 0 <= outlook.strength <= 1
        assert 3 <= len(outlook.signals) <= 5
        assert outlook.horizon.ends_at > outlook.as_of
        assert outlook.support is not None or outlook.levels_note
        assert outlook.resistance is not None or outlook.levels_note
        check_signal_calls(outlook, frames)
    return outlooks


@pytest.mark.parametrize("case", REPLAY_CASES, ids=lambda c: c.question)
async def test_replay_question_is_answered(replay_server: LiveServer, case: Case) -> None:
    result, frames = await _answer(replay_server, case)
    market = MarketDataService(ReplayProvider(REPLAY_DIR), "replay", "suite check")
    for outlook in _check_answer(case, result, frames):
        assert outlook.data_labels == ["replay"]
        await check_outlook_numbers(outlook, market)
        await check_confluence(outlook, market, HIGHER[outlook.timeframe])


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda c: c.question)
async def test_demo_question_is_answered(demo_server: LiveServer, case: Case) -> None:
    result, frames = await _answer(demo_server, case)
    if result["answer_kind"] != "clarification" and "What happened" not in case.question:
        assert "simulated" in result["data_labels"]
    seed = Settings(_env_file=None).demo_seed
    for outlook in _check_answer(case, result, frames):
        assert outlook.data_labels == ["simulated"]
        # The demo market is a pure function of time: at the outlook's as_of it serves the
        # candles the run saw.
        clock = _fixed(outlook.as_of.astimezone(UTC))
        market = MarketDataService(DemoProvider(seed, clock=clock), "demo", "check")
        await check_outlook_numbers(outlook, market)
        await check_confluence(outlook, market, HIGHER[outlook.timeframe])


def _fixed(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def test_question_suite_covers_every_kind() -> None:
    cases = (*REPLAY_CASES, *DEMO_CASES)
    assert len(cases) >= 40
    assert {c.kind for c in cases} == {"answered", "partial", "clarification", "cannot_answer"}
