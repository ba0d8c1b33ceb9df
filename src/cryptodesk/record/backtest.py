"""The backtest of the offline analyst: its outlooks replayed through history, point in time.

A replay clock (`market.clock`) stands at each step's time; at every step the offline
analyst's outlook tool (`assess_outlook`, through the market-data service, as in a run) makes
the call of each coin from the candles closed by then, nothing later. After the last step the
clock moves to the last horizon's end and every call is settled by `record.settlement` from the
candles after its as-of. Steps fall on candle closes of the timeframe, every `every_s` seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptodesk.analysis.outlook import HORIZON_BARS
from cryptodesk.domain.calls import Call, CallDraft, Settlement, draft_call
from cryptodesk.engines.offline.plan import TECHNICAL_CANDLES
from cryptodesk.errors import BadRangeError, DataUnavailableError
from cryptodesk.market.catalog import CoinInfo, resolve_coin
from cryptodesk.market.clock import ReplayClock
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.schemas import Timeframe, parse_timeframe, timeframe_seconds
from cryptodesk.market.service import MarketDataService
from cryptodesk.record.settlement import Waiting, settle
from cryptodesk.store.ids import new_id
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.outlook import OutlookResult
from cryptodesk.tools.registry import build_registry

ENGINE = "offline"
_RUN_ID = "backtest"


@dataclass(frozen=True, slots=True)
class BacktestSpec:
    symbols: tuple[str, ...]
    timeframe: str
    start: datetime
    end: datetime
    every_s: int | None = None
    """Seconds between steps; None: one step per candle of the timeframe."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked spec: the coins, the timeframe and the step times."""

    coins: tuple[CoinInfo, ...]
    timeframe: Timeframe
    steps: tuple[datetime, ...]
    every_s: int
    settle_at: datetime


@dataclass(frozen=True, slots=True)
class BacktestResult:
    plan: Plan
    calls: tuple[Call, ...]
    source: str


class _NoCharts:
    """The outlook tool draws nothing; a backtest stores no chart."""

    async def save_chart(self, **_: Any) -> str:
        raise RuntimeError("a backtest draws no charts")


def _when(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


async def plan_backtest(provider: ReplayProvider, spec: BacktestSpec) -> Plan:
    """Checks the spec against the replay files (before the clock moves): `BadRangeError`,
    `UnsupportedTimeframeError`, `CoinNotFoundError` or `DataUnavailableError` saying why."""
    timeframe = parse_timeframe(spec.timeframe)
    step = timeframe_seconds(timeframe)
    every = spec.every_s if spec.every_s is not None else step
    if every < step or every % step:
        raise BadRangeError(f"--every must be a whole number of {timeframe} candles")
    if spec.end <= spec.start:
        raise BadRangeError("--end must be after --start")
    coins = tuple(dict.fromkeys(resolve_coin(symbol) for symbol in spec.symbols))
    horizon = timedelta(seconds=HORIZON_BARS[timeframe] * step)
    first_step = datetime.fromtimestamp(math.ceil(spec.start.timestamp() / step) * step, tz=UTC)
    provider.clock = ReplayClock()  # the files' end: what they cover, not what a call sees
    for coin in coins:
        every_candle = await provider.get_ohlc(coin.id, timeframe, 10**9)
        opened = every_candle.candles[0].time + timedelta(seconds=step)
        closed = every_candle.as_of
        covers = (
            f"the {coin.symbol} {timeframe} replay data covers {_when(opened)} to {_when(closed)}"
        )
        if spec.end < opened or spec.start > closed:
            raise DataUnavailableError(f"no data in that range: {covers}")
        if first_step < opened:
            raise BadRangeError(f"{covers}: --start must be {opened:%Y-%m-%d %H:%M} or later")
        if spec.end + horizon > closed:
            latest = closed - horizon
            raise BadRangeError(
                f"a call at --end needs {HORIZON_BARS[timeframe]} more {timeframe} candles to be "
                f"judged (until {_when(spec.end + horizon)}), beyond the data: {covers}; use "
                f"--end {latest:%Y-%m-%d %H:%M} or earlier"
            )
    count = int((spec.end - first_step).total_seconds() // every) + 1
    steps = tuple(first_step + timedelta(seconds=every * k) for k in range(count))
    return Plan(coins, timeframe, steps, every, steps[-1] + horizon)


async def run_backtest(
    folder: Path,
    spec: BacktestSpec,
    *,
    backtest_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    provider: ReplayProvider | None = None,
) -> BacktestResult:
    """Makes and settles every call of `spec` on the replay files in `folder` (`provider`
    replaces the one built on it: tests instrument theirs)."""
    provider = provider or ReplayProvider(folder)
    plan = await plan_backtest(provider, spec)
    clock = ReplayClock()
    provider.clock = clock
    market = MarketDataService(provider, "replay", f"backtest replaying {folder}")
    tool = build_registry().get("assess_outlook")
    drafts: list[CallDraft] = []
    last_as_of: dict[str, datetime] = {}
    for index, now in enumerate(plan.steps):
        clock.set(now)
        # A fresh context per step: a run's memo, as a question asked at that moment has.
        context = ToolContext(market, _NoCharts(), _RUN_ID, _RUN_ID)
        for coin in plan.coins:
            arguments = {"coin": coin.id, "timeframe": plan.timeframe, "limit": TECHNICAL_CANDLES}
            result = await tool.invoke(context, arguments)
            assert isinstance(result, OutlookResult)  # noqa: S101 - the registry's outlook tool
            outlook = result.outlook
            if last_as_of.get(coin.id) == outlook.as_of:
                continue  # no new candle closed (a gap in the data): no new call
            last_as_of[coin.id] = outlook.as_of
            drafts.append(
                draft_call(
                    outlook,
                    call_id=new_id(),
                    engine=ENGINE,
                    created_at=now,
                    run_id=None,
                    conversation_id=None,
                    backtest_id=backtest_id,
                )
            )
        if progress is not None:
            progress(index + 1, len(plan.steps))
    clock.set(plan.settle_at)
    calls = await _settle_all(market, plan, drafts)
    return BacktestResult(plan, calls, str(folder))


async def _settle_all(
    market: MarketDataService, plan: Plan, drafts: Sequence[CallDraft]
) -> tuple[Call, ...]:
    series: dict[str, tuple[Ohlcv, str]] = {}
    for coin in plan.coins:
        candles = await market.get_ohlc(coin.id, plan.timeframe, 10**9)
        series[coin.id] = (Ohlcv.from_candles(candles), candles.source)
    calls: list[Call] = []
    for draft in drafts:
        after, source = series[draft.coin_id or ""]
        result = settle(draft, after, source=source, settled_at=draft.horizon_ends_at)
        if isinstance(result, Waiting):
            calls.append(Call(draft, "pending", result.reason, None, None))
        else:
            calls.append(Call(draft, "settled", None, result.settled_at, result))
    return tuple(calls)


def call_line(call: Call) -> dict[str, object]:
    """One call as the `--json` output prints it."""
    draft, settled = call.draft, call.settlement
    line: dict[str, object] = {
        "type": "call",
        "symbol": draft.symbol,
        "timeframe": draft.timeframe,
        "as_of": draft.as_of.isoformat(),
        "price": draft.price,
        "bias": draft.bias,
        "strength": draft.strength,
        "support": draft.support,
        "resistance": draft.resistance,
        "invalidation": draft.invalidation,
        "targets": {"bull": draft.bull_target, "bear": draft.bear_target},
        "horizon_end": draft.horizon_ends_at.isoformat(),
        "outcome": settled.outcome if settled else None,
        "return_pct": settled.return_pct if settled else None,
        "mfe_pct": settled.mfe_pct if settled else None,
        "mae_pct": settled.mae_pct if settled else None,
    }
    if settled is None:
        line["pending_reason"] = call.pending_reason
    return line


def settlements(calls: Sequence[Call]) -> tuple[list[CallDraft], list[Settlement | None]]:
    return [c.draft for c in calls], [c.settlement for c in calls]
