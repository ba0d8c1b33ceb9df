"""The track record: backtest speed, and the offline analyst's honest hit rates.

(a) BTC's year of 4h candles (`BTC_USDT_4h.csv`, 2025-06 to 2026-06), a call at every candle
    close from the 50th candle to the last one whose horizon the file still holds: the whole
    backtest (the replay clock moved step by step, the outlook tool through the market-data
    service, every call settled) in wall time, calls per second. Target: under 10 s. Beside it,
    measured in the same run: the same number of outlooks with the clock standing still (the
    candles cached: what the outlook itself costs), and settling every call again on its own.
(b) The ten coins whose 1h files share the same 90 days (ETH, SOL, BNB, XRP, ADA, DOGE, AVAX,
    DOT, LINK, LTC; 2026-04 to 2026-07), a call every hour from the 50th candle on, the same way.
(c) The hit rates of (a) and (b) next to the baselines on the same calls: always bullish, a coin
    flip's expected rate and 95 % range, and buy and hold's average return next to the return
    of following the calls. Whatever they are: no target, nothing tuned.

`uv run python -m bench.record` runs this one alone.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.paths import replay_dir
from bench.report import Section, make_console, print_section
from cryptodesk.analysis.outlook import HORIZON_BARS
from cryptodesk.engines.offline.plan import TECHNICAL_CANDLES
from cryptodesk.market.catalog import resolve_coin
from cryptodesk.market.clock import ReplayClock
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.schemas import timeframe_seconds
from cryptodesk.market.service import MarketDataService
from cryptodesk.record.backtest import BacktestResult, BacktestSpec, run_backtest
from cryptodesk.record.settlement import settle
from cryptodesk.record.stats import group_stats
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.registry import build_registry

TARGET_YEAR_S = 10.0
WARM_UP = 50
"""Candles of history before the first call."""
TEN = ("ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "AVAX", "DOT", "LINK", "LTC")


@dataclass(frozen=True, slots=True)
class Timed:
    label: str
    result: BacktestResult
    seconds: float
    outlook_s: float
    settle_s: float


class _NoCharts:
    async def save_chart(self, **_: Any) -> str:
        raise RuntimeError("no charts in a benchmark")


async def _span(symbols: tuple[str, ...], timeframe: str) -> BacktestSpec:
    """From the `WARM_UP`-th candle to the last call whose horizon the data holds (every file)."""
    provider = ReplayProvider(replay_dir())
    step = timedelta(seconds=timeframe_seconds(timeframe))  # type: ignore[arg-type]
    starts, ends = [], []
    for symbol in symbols:
        candles = await provider.get_ohlc(resolve_coin(symbol).id, timeframe, 10**9)  # type: ignore[arg-type]
        starts.append(candles.candles[WARM_UP].time + step)
        ends.append(candles.as_of - step * HORIZON_BARS[timeframe])
    return BacktestSpec(symbols, timeframe, max(starts), min(ends))


async def _outlooks_alone(symbol: str, timeframe: str, count: int) -> float:
    """`count` outlooks on candles already loaded, the clock at the data's end."""
    provider = ReplayProvider(replay_dir())
    market = MarketDataService(provider, "replay", "bench")
    tool = build_registry().get("assess_outlook")
    arguments = {"coin": symbol, "timeframe": timeframe, "limit": TECHNICAL_CANDLES}
    await tool.invoke(ToolContext(market, _NoCharts(), "b", "b"), arguments)
    started = time.perf_counter()
    for _ in range(count):
        await tool.invoke(ToolContext(market, _NoCharts(), "b", "b"), arguments)
    return time.perf_counter() - started


async def _settle_again(result: BacktestResult) -> float:
    """Every call settled once more, from the series of its coin (the pure rules alone)."""
    provider = ReplayProvider(replay_dir(), ReplayClock(result.plan.settle_at))
    series: dict[str, tuple[Ohlcv, str]] = {}
    for coin in result.plan.coins:
        candles = await provider.get_ohlc(coin.id, result.plan.timeframe, 10**9)
        series[coin.id] = (Ohlcv.from_candles(candles), candles.source)
    started = time.perf_counter()
    for call in result.calls:
        candles, source = series[call.draft.coin_id or ""]
        settle(call.draft, candles, source=source, settled_at=call.draft.horizon_ends_at)
    return time.perf_counter() - started


async def _timed(label: str, symbols: tuple[str, ...], timeframe: str) -> Timed:
    spec = await _span(symbols, timeframe)
    started = time.perf_counter()
    result = await run_backtest(replay_dir(), spec)
    seconds = time.perf_counter() - started
    alone = await _outlooks_alone(symbols[0], timeframe, len(result.calls))
    return Timed(label, result, seconds, alone, await _settle_again(result))


def _rate(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else "-"


def _pct(value: float | None) -> str:
    return f"{value:+.2f}%" if value is not None else "-"


async def measure() -> Section:
    year = await _timed("BTC 4h, a year", ("BTC",), "4h")
    ten = await _timed("10 coins 1h, 90 days", TEN, "1h")
    section = Section(
        name="track record",
        title="Backtest: calls made and settled per second (replay clock, outlook, settlement)",
        columns=(
            "backtest",
            "calls",
            "backtest s",
            "calls/s",
            "outlooks alone s",
            "settling alone s",
            "settled/s alone",
        ),
    )
    for run in (year, ten):
        calls = len(run.result.calls)
        section.row(
            run.label,
            calls,
            f"{run.seconds:.1f}",
            f"{calls / run.seconds:.0f}",
            f"{run.outlook_s:.1f}",
            f"{run.settle_s:.2f}",
            f"{calls / run.settle_s:.0f}" if run.settle_s > 0 else "-",
        )
    section.check(
        f"BTC's year of 4h calls under {TARGET_YEAR_S:g} s",
        f"{year.seconds:.1f} s ({len(year.result.calls)} calls)",
        year.seconds < TARGET_YEAR_S,
    )
    for run in (year, ten):
        stats = group_stats("offline", run.result.plan.timeframe, run.result.calls)
        base = stats.baselines
        flip = base.coin_flip
        section.notes.append(
            f"{run.label}: hit rate {_rate(stats.hit_rate.value)} of {stats.settled} "
            f"settled calls; always bullish {_rate(base.always_bullish.value)}; coin flip "
            f"{_rate(flip.expected)} (95% range {_rate(flip.low)} to "
            f"{_rate(flip.high)}); following the calls {_pct(stats.follow_return.value)} "
            f"per call vs buy and hold {_pct(base.buy_and_hold.value)}; outcomes "
            + ", ".join(f"{k} {v}" for k, v in stats.outcomes.items())
        )
    section.notes.append(
        "consecutive calls' horizons overlap (a call every candle, horizons of 12 or 24 "
        "candles): the coin flip's range understates the true uncertainty"
    )
    return section


if __name__ == "__main__":
    console = make_console()
    print_section(console, asyncio.run(measure()))
