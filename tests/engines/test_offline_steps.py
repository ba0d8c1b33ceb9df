"""How the offline analyst executes a turn: its calls at once, in order, and failures in plain words
(with the exchange down: ccxt's real Bitget against a closed port and an `.invalid` host)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from cryptodesk.domain.events import AgentStep, DomainEvent, ToolCalled, ToolFinished
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from tests.engines.checks import check_event_sequence
from tests.engines.conftest import Desk
from tests.fakes import RecordingSink
from tests.offline_bitget import Script, offline_exchange
from tests.unreachable import FAILURES, Failure, unreachable_exchange

BOOK = "/api/v2/spot/market/orderbook"
FUNDING = "/api/v2/mix/market/current-fund-rate"
UNREACHABLE = "Bitget is not reachable from this machine"


def turns(events: list[DomainEvent]) -> list[list[DomainEvent]]:
    """The tool events of each agent turn, in the order they were emitted."""
    found: list[list[DomainEvent]] = []
    for event in events:
        if isinstance(event, AgentStep) and event.status == "working":
            found.append([])
        elif isinstance(event, ToolCalled | ToolFinished) and found:
            found[-1].append(event)
    return [turn for turn in found if turn]


async def run(engine: OfflineAnalyst, question: str) -> RecordingSink:
    sink = RecordingSink()
    await engine.run(RunRequest("run-1", "conv-1", question, (), 15), sink)
    check_event_sequence(sink.events, 15)
    return sink


@pytest.fixture
async def slow_bitget_desk(shared_market_dir: Path) -> AsyncIterator[tuple[Desk, Script]]:
    """Replayed candles and the offline Bitget, whose book and funding answers take a while."""
    script = Script(delay_s={BOOK: 0.2, FUNDING: 0.2})
    exchange = offline_exchange(script)
    provider = ReplayProvider(shared_market_dir / "binance_spot_1h")
    yield Desk(MarketDataService(provider, "replay", "test replay"), exchange), script
    await exchange.aclose()


async def test_offline_turn_starts_all_its_calls_before_any_finishes(
    slow_bitget_desk: tuple[Desk, Script],
) -> None:
    desk, _ = slow_bitget_desk
    sink = await run(desk.engine, "BTC order book and funding rate")
    exchange_turn = next(t for t in turns(sink.events) if len(t) == 4)
    kinds = [type(event) for event in exchange_turn]
    assert kinds == [ToolCalled, ToolCalled, ToolFinished, ToolFinished]  # concurrent, not serial
    called = [e.tool_name for e in exchange_turn if isinstance(e, ToolCalled)]
    assert called == ["get_order_book", "get_funding_rate"]  # in the plan's order
    assert all(e.success for e in exchange_turn if isinstance(e, ToolFinished))


async def test_offline_technical_turn_fetches_its_candles_once(replay_desk: Desk) -> None:
    provider = replay_desk.market.provider
    calls: list[tuple[str, str, int]] = []
    fetch: Callable[..., object] = provider.get_ohlc

    async def counted(coin_id: str, timeframe: str, limit: int) -> object:
        calls.append((coin_id, timeframe, limit))
        return await fetch(coin_id, timeframe, limit)  # type: ignore[misc]

    provider.get_ohlc = counted  # type: ignore[method-assign]
    sink = await run(replay_desk.engine, "Analyze ETH on the 4h chart")
    technical = next(
        t
        for t in turns(sink.events)
        if any(isinstance(e, ToolCalled) and e.tool_name == "compute_indicators" for e in t)
    )
    assert [type(e) for e in technical][:3] == [ToolCalled] * 3  # called together
    assert calls.count(("ethereum", "4h", 300)) == 1  # several tools, one fetch (the run memo)


@pytest.mark.parametrize("failure", FAILURES)
async def test_offline_exchange_down_fails_every_call_once_in_plain_words(
    replay_desk: Desk, failure: Failure
) -> None:
    exchange = unreachable_exchange(failure)
    engine = OfflineAnalyst(replay_desk.market, replay_desk.charts, 5.0, exchange=exchange)
    try:
        sink = await run(engine, "Order books and funding of BTC, ETH and SOL")
    finally:
        await exchange.aclose()
    exchange_tools = ("get_order_book", "get_funding_rate")
    finished = [e for e in sink.of_type(ToolFinished) if e.tool_name in exchange_tools]
    assert len(finished) == 6
    assert {e.error for e in finished} == {UNREACHABLE}
    report = sink.events[-1]
    content = getattr(report, "content", "")
    assert f"could not run `get_order_book` for SOL: {UNREACHABLE}" in content
    # The answer says first that the exchange data is missing, then what is known (the prices).
    bottom = getattr(report, "bottom_line", "") or ""
    assert bottom.startswith(f"No exchange data: {UNREACHABLE}. BTC is $"), bottom
    assert getattr(report, "answer_kind", None) == "partial"
    texts = [content, *(e.result_preview for e in finished)]
    for word in ("Errno", "http", "Exception", "ExchangeNotAvailable", "NetworkError"):
        assert not any(word in text for text in texts), word
