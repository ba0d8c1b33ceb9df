"""Comparison tools: several coins' performance over a common window, and its chart.

Both read the same aligned candles through the run memo. When one coin's data ends earlier than
the others' (replay files that stop days apart), the window ends at that earliest last candle
and the later series are fetched far enough back to cover it; the result says so. Too few
common candles is a result with its explanation, never an error.
"""

from __future__ import annotations

import asyncio

from pydantic import AwareDatetime, BaseModel, Field

from cryptodesk.analysis.compare import (
    AssetPerformance,
    AssetSeries,
    SeriesEnd,
    common_times,
    compare,
    performance_lines,
)
from cryptodesk.charts.spec import build_comparison_spec
from cryptodesk.domain import format as fmt
from cryptodesk.errors import BadRangeError, ToolError
from cryptodesk.market.schemas import Candles, Timeframe, timeframe_seconds, utc_from_epoch
from cryptodesk.tools.base import Tool, ToolContext, ToolResult
from cryptodesk.tools.charts import ChartResult, save_spec
from cryptodesk.tools.market import MAX_CANDLES, PERIOD_SECONDS, Period, freshness_of


class CompareArgs(BaseModel):
    coins: list[str] = Field(min_length=2, max_length=6, description="2 to 6 coins.")
    timeframe: Timeframe = Field("1d", description="Candle timeframe of the comparison.")
    period: Period = Field("30d", description="How far back to compare.")


class SourceStamp(BaseModel):
    symbol: str
    source: str
    as_of: AwareDatetime


class LaggingSeries(BaseModel):
    symbol: str
    last_candle: AwareDatetime
    behind_s: int
    """How long before the latest-ending series this one ends."""


class CompareResult(ToolResult):
    timeframe: Timeframe
    period: Period
    start: AwareDatetime | None
    """Open time of the first candle all coins share (None without common candles)."""
    end: AwareDatetime | None
    """Open time of the last candle all coins share."""
    candles: int
    assets: tuple[AssetPerformance, ...]
    correlation: tuple[tuple[float | None, ...], ...]
    best: str | None
    worst: str | None
    sources: tuple[SourceStamp, ...]
    lagging: tuple[LaggingSeries, ...] = ()
    """Coins whose data ends before the others'; the window ends at the earliest of them."""
    note: str | None = None
    """Why nothing could be compared, in words."""

    def summary(self) -> str:
        sources = "; ".join(
            f"{s.symbol} {s.source} as of {fmt.when(s.as_of)}" for s in self.sources
        )
        behind = "".join(
            f"; {lag.symbol} data ends {fmt.duration(lag.behind_s)} before the others"
            for lag in self.lagging
        )
        if self.start is None or self.end is None:
            return f"{self.period} on {self.timeframe}: {self.note}{behind}; sources: {sources}"
        rows = ", ".join(f"{a.symbol} {fmt.pct(a.return_pct)}" for a in self.assets)
        return (
            f"{self.period} on {self.timeframe} ({self.candles} common candles, "
            f"{fmt.when(self.start)} to {fmt.when(self.end)}): {rows}; best {self.best}, "
            f"worst {self.worst}{behind}; sources: {sources}"
        )


def _candle_limit(timeframe: Timeframe, period: Period) -> int:
    limit = PERIOD_SECONDS[period] // timeframe_seconds(timeframe) + 1
    if limit < 3:
        raise BadRangeError(
            f"a {period} period holds too few {timeframe} candles; use a finer timeframe"
        )
    if limit > MAX_CANDLES:
        raise BadRangeError(
            f"a {period} period needs {limit} {timeframe} candles (max {MAX_CANDLES}); "
            "use a coarser timeframe"
        )
    return limit


async def aligned_candles(context: ToolContext, args: CompareArgs) -> list[Candles]:
    """Each coin's candles reaching back over `args.period` before the common end."""
    coins = list(dict.fromkeys([(await context.market.lookup_coin(c)).id for c in args.coins]))
    if len(coins) < 2:
        raise ToolError(f"comparing needs two different coins, got {', '.join(args.coins)}")
    limit = _candle_limit(args.timeframe, args.period)
    step = timeframe_seconds(args.timeframe)
    memo, market = context.memo, context.market

    async def fetch(coin: str, count: int) -> Candles:
        return await memo.candles(market, coin, args.timeframe, count)

    fetched = list(await asyncio.gather(*(fetch(coin, limit) for coin in coins)))
    end = min(c.candles[-1].time for c in fetched)
    for index, candles in enumerate(fetched):
        behind = int((candles.candles[-1].time - end).total_seconds()) // step
        if behind > 0:
            fetched[index] = await fetch(coins[index], min(limit + behind, MAX_CANDLES))
    return fetched


def _series(context: ToolContext, fetched: list[Candles]) -> list[AssetSeries]:
    series = [context.memo.series(candles) for candles in fetched]
    return [AssetSeries(c.symbol, s.time, s.close) for c, s in zip(fetched, series, strict=True)]


def _lagging(ends: tuple[SeriesEnd, ...]) -> tuple[LaggingSeries, ...]:
    return tuple(
        LaggingSeries(symbol=e.symbol, last_candle=utc_from_epoch(e.last), behind_s=e.behind_s)
        for e in ends
        if e.behind_s > 0
    )


async def compare_assets(context: ToolContext, args: CompareArgs) -> CompareResult:
    fetched = await aligned_candles(context, args)
    result = compare(
        _series(context, fetched), timeframe_seconds(args.timeframe), PERIOD_SECONDS[args.period]
    )
    return CompareResult(
        simulated=any(candles.simulated for candles in fetched),
        timeframe=args.timeframe,
        period=args.period,
        start=utc_from_epoch(result.start) if result.start is not None else None,
        end=utc_from_epoch(result.end) if result.end is not None else None,
        candles=result.candles,
        assets=result.assets,
        correlation=result.correlation,
        best=result.best,
        worst=result.worst,
        sources=tuple(
            SourceStamp(symbol=c.symbol, source=c.source, as_of=c.as_of) for c in fetched
        ),
        lagging=_lagging(result.ends),
        note=result.note,
    )


async def create_comparison_chart(context: ToolContext, args: CompareArgs) -> ChartResult:
    fetched = await aligned_candles(context, args)
    series = _series(context, fetched)
    common = common_times(series, PERIOD_SECONDS[args.period])
    if common.shape[0] < 2:
        symbols = ", ".join(c.symbol for c in fetched)
        raise BadRangeError(f"{symbols} share no candles to chart over {args.period}")
    lines = performance_lines(series, common)
    simulated = any(c.simulated for c in fetched)
    symbols = " vs ".join(c.symbol for c in fetched)
    title = f"{symbols}: % change over {args.period} ({args.timeframe})"
    title += " (simulated)" if simulated else ""
    spec = build_comparison_spec(
        lines,
        interval=args.timeframe,
        title=title,
        source=", ".join(dict.fromkeys(c.source for c in fetched)),
        as_of=min(c.as_of for c in fetched),
        simulated=simulated,
    )
    chart_id = await save_spec(context, spec)
    stale = [freshness_of(c) for c in fetched]
    return ChartResult(
        kind="comparison",
        simulated=simulated,
        chart_id=chart_id,
        symbol=spec.symbol,
        interval=spec.interval,
        title=spec.title,
        source=spec.source,
        as_of=spec.as_of,
        candles=int(common.shape[0]),
        lines=(*lines.change_pct, f"ratio {lines.ratio_name}"),
        levels=0,
        stale=any(s["stale"] for s in stale),
        age_s=max((s["age_s"] for s in stale if s["age_s"] is not None), default=None),
        fallback=any(s["fallback"] for s in stale),
    )


COMPARE_TOOL = Tool(
    "compare_assets",
    "Relative performance (return, volatility, max drawdown) and return correlation of 2-6 "
    "coins over a period, on the candles they share.",
    CompareArgs,
    CompareResult,
    compare_assets,
)
COMPARISON_CHART_TOOL = Tool(
    "create_comparison_chart",
    "Draws the normalised performance of 2-6 coins (percent change from the window's start, "
    "one line per coin) and the price ratio of the first two; returns the chart id.",
    CompareArgs,
    ChartResult,
    create_comparison_chart,
)
