"""The evaluation of calls: settles every pending call whose horizon has traded.

Candles come through the market-data service in force (its cache and rate budget included):
live CoinGecko for calls made from CoinGecko data, the replay files (and their clock) for calls
made from replayed data. A call whose source the service cannot serve, or whose candles are
not there (yet), stays pending with the reason, checked again at the next pass. Every state
lives in the calls table, so any process may run a pass: the server does on a schedule (one
process of those sharing the database: `cluster.singleton`), `cryptodesk calls evaluate` on
demand; a settlement is written once whoever gets there first.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptodesk.domain.calls import Call
from cryptodesk.errors import MarketDataError
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.schemas import Candles, parse_timeframe, timeframe_seconds
from cryptodesk.market.service import MarketDataService
from cryptodesk.record.settlement import CONTEXT_BARS, Waiting, settle
from cryptodesk.store.calls import CallRepo

log = logging.getLogger(__name__)

JOB_NAME = "call-evaluation"
MAX_FETCH = 50_000
"""Candles asked for at most in one fetch (a group's oldest call sets how many are needed)."""

Clock = Callable[[], datetime]


@dataclass(slots=True)
class Pass:
    """What one evaluation pass did."""

    due: int = 0
    settled: int = 0
    already: int = 0
    """Settled meanwhile by another evaluator (nothing was written twice)."""
    pending: dict[str, str] = field(default_factory=dict)
    """Call id -> why it is still pending."""


def source_kind(source: str) -> str:
    """'replay' or 'coingecko' for the sources that can judge a call, else the source."""
    if source.startswith("replay:"):
        return "replay"
    if source.startswith("coingecko"):
        return "coingecko"
    return source


def _mismatch(kind: str, service: MarketDataService) -> str | None:
    """Why `service` cannot judge a call made from a `kind` source, or None when it can."""
    serving = service.provider.name
    if kind == serving:
        return None
    if kind == "replay":
        return (
            f"made from replayed data; this server's market data is {serving} now, which "
            "cannot judge it (CRYPTODESK_MARKET_DATA=replay with the same folder can)"
        )
    if kind == "coingecko":
        return (
            f"made from live CoinGecko data; this server's market data is {serving} now "
            "(CRYPTODESK_MARKET_DATA=auto or live judges it)"
        )
    return f"made from {kind}, which no market data source can judge"


class Evaluator:
    def __init__(
        self,
        calls: CallRepo,
        market: Callable[[], MarketDataService],
        *,
        every_s: float,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._calls = calls
        self._market = market
        self._every_s = every_s
        self._clock = clock

    async def run(self, epoch: int) -> None:
        """The scheduled job (`cluster.singleton`): a pass, then a pause, until cancelled."""
        log.info("evaluating calls every %g s (lease epoch %d)", self._every_s, epoch)
        while True:
            done = await self.evaluate()
            if done.due:
                log.info(
                    "call evaluation: %d due, %d settled, %d still pending",
                    done.due,
                    done.settled,
                    len(done.pending),
                )
            await asyncio.sleep(self._every_s)

    async def evaluate(self) -> Pass:
        """One pass over the calls whose horizon has ended by now."""
        now = self._clock()
        due = await self._calls.due(now)
        done = Pass(due=len(due))
        groups: dict[tuple[str, str, str], list[Call]] = {}
        for call in due:
            draft = call.draft
            key = (source_kind(draft.source), draft.coin_id or draft.symbol, draft.timeframe)
            groups.setdefault(key, []).append(call)
        for (kind, coin, timeframe), members in groups.items():
            await self._settle_group(kind, coin, timeframe, members, now, done)
        return done

    async def _settle_group(
        self,
        kind: str,
        coin: str,
        timeframe: str,
        members: Sequence[Call],
        now: datetime,
        done: Pass,
    ) -> None:
        service = self._market()
        reason = _mismatch(kind, service)
        candles: Candles | None = None
        if reason is None:
            try:
                limit = _limit(members, now)
                candles = await service.get_ohlc(coin, parse_timeframe(timeframe), limit)
            except MarketDataError as e:
                reason = f"the market data failed: {e.message}"
        if candles is not None and (candles.fallback or candles.simulated):
            candles, reason = (
                None,
                (
                    "CoinGecko is unreachable and the demo market stands in; simulated candles "
                    "never judge a call"
                ),
            )
        if candles is None:
            for call in members:
                await self._wait(call, reason or "no candles", now, done)
            return
        series = Ohlcv.from_candles(candles)
        for call in members:
            result = settle(call.draft, series, source=candles.source, settled_at=now)
            if isinstance(result, Waiting):
                await self._wait(call, result.reason, now, done)
            elif await self._calls.settle(call.draft.id, result):
                done.settled += 1
            else:
                done.already += 1

    async def _wait(self, call: Call, reason: str, now: datetime, done: Pass) -> None:
        done.pending[call.draft.id] = reason
        if reason != call.pending_reason:
            await self._calls.still_pending(call.draft.id, reason, now)


def _limit(members: Sequence[Call], now: datetime) -> int:
    """Candles from a few before the oldest call's as-of up to now (a replay's clock may stand
    earlier: then this asks for more than the replay serves)."""
    oldest = min(call.draft.as_of for call in members)
    step = timeframe_seconds(parse_timeframe(members[0].draft.timeframe))
    span = (now - oldest).total_seconds()
    return min(max(math.ceil(span / step) + CONTEXT_BARS + 1, 1), MAX_FETCH)
