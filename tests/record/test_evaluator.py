"""The evaluation of calls against a real store (SQLite and PostgreSQL) and real market data
services: replay with its clock, and live CoinGecko through the loopback fake."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cryptodesk.config import Settings
from cryptodesk.domain.calls import SIMULATED_REASON, CallDraft, Settlement
from cryptodesk.market.clock import ReplayClock
from cryptodesk.market.coingecko_candles import SOURCE_OHLC
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService, build_market_service
from cryptodesk.record.evaluator import Evaluator
from cryptodesk.record.settlement import settle
from cryptodesk.store.calls import CallFilter, insert_calls
from cryptodesk.store.store import Store
from tests.market.fake_coingecko import FakeCoinGecko, Reply, market_settings
from tests.record.calls import REPLAY_DIR, btc_4h, call_at

SERIES = btc_4h()
AT = 1500  # a real moment of the BTC 4h file
WALL = datetime(2026, 11, 30, tzinfo=UTC)


async def _insert(store: Store, *drafts: CallDraft) -> None:
    async with store.db() as s:
        await insert_calls(s, drafts)
        await s.commit()


def _replay(now: datetime) -> MarketDataService:
    return MarketDataService(ReplayProvider(REPLAY_DIR, ReplayClock(now)), "replay", "replay")


def _evaluator(store: Store, market: MarketDataService) -> Evaluator:
    return Evaluator(store.calls, lambda: market, every_s=60, clock=lambda: WALL)


async def test_evaluator_settles_a_call_once_the_replay_clock_passes_its_horizon(
    store: Store,
) -> None:
    call = call_at(SERIES, AT, target=float(SERIES.close[AT]) * 1.02, call_id="a")
    await _insert(store, call)
    early = _replay(call.horizon_ends_at - timedelta(hours=4))
    done = await _evaluator(store, early).evaluate()
    assert (done.due, done.settled) == (1, 0)
    stored = await store.calls.get("a")
    assert stored.status == "pending"
    assert stored.pending_reason is not None and "the data reaches" in stored.pending_reason

    later = _replay(call.horizon_ends_at)
    done = await _evaluator(store, later).evaluate()
    assert (done.due, done.settled) == (1, 1)
    stored = await store.calls.get("a")
    expected = settle(call, SERIES, source="replay:BTC_USDT_4h.csv", settled_at=WALL)
    assert isinstance(expected, Settlement)
    assert stored.status == "settled" and stored.pending_reason is None
    assert stored.settlement == expected
    assert (await _evaluator(store, later).evaluate()).due == 0, "settled calls are not due"


async def test_settle_writes_once_when_two_evaluators_race(store: Store) -> None:
    """Both read the call as due; the conditional update lets exactly one settlement in."""
    await _insert(store, call_at(SERIES, AT, call_id="a"))
    other = await Store.open(str(store.engine.url.render_as_string(hide_password=False)))
    try:
        (one,) = await store.calls.due(WALL)
        (two,) = await other.calls.due(WALL)
        first = settle(one.draft, SERIES, source="first", settled_at=WALL)
        second = settle(two.draft, SERIES, source="second", settled_at=WALL + timedelta(hours=1))
        assert isinstance(first, Settlement) and isinstance(second, Settlement)
        wrote = await asyncio.gather(
            store.calls.settle("a", first), other.calls.settle("a", second)
        )
        assert sorted(wrote) == [False, True]
        stored = (await store.calls.get("a")).settlement
        assert stored is not None
        assert stored.source == ("first" if wrote[0] else "second")
    finally:
        await other.close()


async def test_evaluators_on_two_processes_settle_every_call_exactly_once(store: Store) -> None:
    drafts = [call_at(SERIES, AT + k, call_id=f"c{k}") for k in range(20)]
    await _insert(store, *drafts)
    other = await Store.open(str(store.engine.url.render_as_string(hide_password=False)))
    try:
        market = _replay(drafts[-1].horizon_ends_at)
        a, b = await asyncio.gather(
            _evaluator(store, market).evaluate(), _evaluator(other, market).evaluate()
        )
        assert a.settled + b.settled == 20
        assert a.settled + a.already + len(a.pending) == a.due
        _, total = await store.calls.page(CallFilter(status="settled"), 50, 0)
        assert total == 20
    finally:
        await other.close()


async def test_evaluator_after_a_restart_loses_no_call_and_settles_nothing_again(
    store: Store,
) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    await _insert(store, call_at(SERIES, AT, call_id="a"), call_at(SERIES, AT + 100, call_id="b"))
    market = _replay(call_at(SERIES, AT, call_id="a").horizon_ends_at)
    await _evaluator(store, market).evaluate()
    before = {c.draft.id: c for c in (await store.calls.page(CallFilter(), 10, 0))[0]}
    reopened = await Store.open(url)  # as a restarted server would
    try:
        after = {c.draft.id: c for c in (await reopened.calls.page(CallFilter(), 10, 0))[0]}
        assert after == before
        assert after["a"].status == "settled" and after["b"].status == "pending"
        done = await _evaluator(reopened, market).evaluate()
        assert (done.due, done.settled) == (1, 0)  # only "b", whose horizon has not traded
        assert (await reopened.calls.get("a")).settlement == before["a"].settlement
    finally:
        await reopened.close()


async def test_evaluator_leaves_a_call_of_another_source_pending_with_the_reason(
    store: Store,
) -> None:
    await _insert(store, call_at(SERIES, AT, call_id="a"))
    demo = build_market_service(Settings(market_data="demo", _env_file=None))  # type: ignore[call-arg]
    try:
        done = await _evaluator(store, demo).evaluate()
    finally:
        await demo.aclose()
    assert done.settled == 0
    reason = (await store.calls.get("a")).pending_reason
    assert reason is not None
    assert reason.startswith("made from replayed data; this server's market data is demo now")


async def test_call_from_simulated_data_is_void_and_never_evaluated(store: Store) -> None:
    simulated = replace(call_at(SERIES, AT, call_id="sim"), data_labels=("simulated",))
    await _insert(store, simulated)
    stored = await store.calls.get("sim")
    assert (stored.status, stored.pending_reason) == ("void", SIMULATED_REASON)
    assert (await _evaluator(store, _replay(WALL)).evaluate()).due == 0


def _live_series(now_s: int, count: int) -> tuple[Ohlcv, int]:
    """Real BTC 4h candles, moved in time so the last one closes at the current boundary."""
    step = 4 * 3600
    boundary = now_s // step * step
    real = SERIES.slice(AT - count + 1, AT + 1)
    shift = boundary - (int(real.time[-1]) + step)
    moved = Ohlcv(real.time + shift, real.open, real.high, real.low, real.close, real.volume)
    return moved, boundary


def _serve_live(coingecko: FakeCoinGecko, series: Ohlcv) -> None:
    step = 4 * 3600
    rows = [
        [(int(t) + step) * 1000, o, h, lo, c]
        for t, o, h, lo, c in zip(
            series.time, series.open, series.high, series.low, series.close, strict=True
        )
    ]
    start = int(series.time[0]) - 86_400
    samples = range(start, int(series.time[-1]) + step + 1, 3600)
    coingecko.serve("/coins/bitcoin/ohlc", rows)
    coingecko.serve(
        "/coins/bitcoin/market_chart",
        {
            "prices": [[t * 1000, 1.0] for t in samples],
            "market_caps": [],
            "total_volumes": [[t * 1000, 6_000_000.0] for t in samples],
        },
    )


async def test_evaluator_settles_a_live_call_from_coingecko_candles(
    store: Store, coingecko: FakeCoinGecko
) -> None:
    moved, boundary = _live_series(int(time.time()), 40)
    _serve_live(coingecko, moved)
    index = len(moved) - 15  # its horizon ended two candles ago
    call = replace(
        call_at(moved, index, call_id="live"),
        source=SOURCE_OHLC,
        data_labels=(),
    )
    await _insert(store, call)
    live = build_market_service(market_settings(coingecko.url))
    try:
        clock = datetime.fromtimestamp(boundary, tz=UTC)
        done = await Evaluator(
            store.calls, lambda: live, every_s=60, clock=lambda: clock
        ).evaluate()
    finally:
        await live.aclose()
    assert done.settled == 1, done.pending
    stored = (await store.calls.get("live")).settlement
    expected = settle(call, moved, source=SOURCE_OHLC, settled_at=clock)
    assert isinstance(expected, Settlement)
    assert stored is not None
    assert (stored.outcome, stored.return_pct, stored.source) == (
        expected.outcome,
        pytest.approx(expected.return_pct),
        SOURCE_OHLC,
    )
    assert coingecko.count("/coins/bitcoin/ohlc") == 1


async def test_evaluator_keeps_a_live_call_pending_when_coingecko_fails(
    store: Store, coingecko: FakeCoinGecko
) -> None:
    moved, boundary = _live_series(int(time.time()), 40)
    call = replace(call_at(moved, len(moved) - 15, call_id="live"), source=SOURCE_OHLC)
    await _insert(store, call)
    coingecko.script("/coins/bitcoin/ohlc", *[Reply.recorded_error("429_rate_limited")] * 5)
    coingecko.script("/coins/bitcoin/market_chart", *[Reply.recorded_error("429_rate_limited")] * 5)
    live = build_market_service(market_settings(coingecko.url))
    try:
        clock = datetime.fromtimestamp(boundary, tz=UTC)
        done = await Evaluator(
            store.calls, lambda: live, every_s=60, clock=lambda: clock
        ).evaluate()
    finally:
        await live.aclose()
    assert done.settled == 0
    reason = (await store.calls.get("live")).pending_reason
    assert reason == "the market data failed: CoinGecko rate limit reached; retry after 119 s"


def test_replay_dir_is_the_shared_folder() -> None:
    assert (Path(REPLAY_DIR) / "BTC_USDT_4h.csv").is_file()
