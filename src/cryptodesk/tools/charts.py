"""The chart tool: candles with indicators, key levels and patterns, stored for the browser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from cryptodesk.analysis.indicators import LABELS, IndicatorName
from cryptodesk.analysis.patterns import detect
from cryptodesk.charts.spec import MAX_PATTERN_MARKERS, ChartSpec, build_chart_spec
from cryptodesk.domain import format as fmt
from cryptodesk.domain.events import ChartCreated, DomainEvent
from cryptodesk.market.schemas import Candles, Timeframe
from cryptodesk.tools.base import Tool, ToolContext, ToolResult
from cryptodesk.tools.market import MAX_CANDLES, CoinArgs, freshness_of
from cryptodesk.tools.memo import RunMemo
from cryptodesk.tools.technical import MAX_PATTERN_LOOKBACK

if TYPE_CHECKING:
    from cryptodesk.market.service import MarketDataService

CHART_INDICATORS: tuple[IndicatorName, ...] = ("sma50", "sma200", "bollinger", "rsi14", "macd")


class ChartArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe.")
    indicators: list[IndicatorName] = Field(default_factory=lambda: list(CHART_INDICATORS))
    with_levels: bool = Field(True, description="Draw support and resistance levels.")
    pattern_lookback: int = Field(
        20,
        ge=0,
        le=MAX_PATTERN_LOOKBACK,
        description="Mark candlestick patterns on this many most recent candles (0: none).",
    )
    limit: int = Field(300, ge=20, le=MAX_CANDLES, description="Candles on the chart.")


class ChartResult(ToolResult):
    kind: Literal["price", "comparison"] = "price"
    chart_id: str
    symbol: str
    interval: Timeframe
    title: str
    source: str
    as_of: AwareDatetime
    candles: int
    lines: tuple[str, ...]
    levels: int
    patterns: int = 0
    """Candlestick pattern markers drawn."""
    stale: bool = False
    age_s: float | None = None
    fallback: bool = False

    def summary(self) -> str:
        drawn = ", ".join(self.lines) or "no indicators"
        if self.kind == "comparison":
            return (
                f"{fmt.freshness(stale=self.stale, age_s=self.age_s, fallback=self.fallback)}"
                f"chart {self.chart_id}: {self.title}, {self.candles} common candles, lines "
                f"{drawn}; source {self.source}, as of {fmt.when(self.as_of)}"
            )
        return (
            f"{fmt.freshness(stale=self.stale, age_s=self.age_s, fallback=self.fallback)}"
            f"chart {self.chart_id}: {self.title}, {self.candles} candles with {drawn}, "
            f"{self.levels} levels and {self.patterns} pattern markers; source {self.source}, "
            f"as of {fmt.when(self.as_of)}"
        )

    def events(self) -> tuple[DomainEvent, ...]:
        return (ChartCreated(self.chart_id, self.symbol, self.interval, self.title),)


@dataclass(frozen=True, slots=True)
class BuiltChart:
    """A chart spec and what went into it, before anything is stored."""

    spec: ChartSpec
    candles: Candles
    lines: tuple[str, ...]
    """Labels of the indicator lines drawn."""
    patterns: int
    """Candlestick pattern markers drawn."""


async def build_chart(market: MarketDataService, memo: RunMemo, args: ChartArgs) -> BuiltChart:
    """The chart `create_chart` stores; the REST API's live charts are built here too."""
    candles = await memo.candles(market, args.coin, args.timeframe, args.limit)
    series = memo.series(candles)
    lines = memo.lines(candles, args.indicators)
    levels = memo.levels(candles) if args.with_levels else ()
    coin = market.resolve(candles.coin_id)
    title = f"{coin.name} ({candles.symbol}) {candles.timeframe}"
    if candles.simulated:
        title += " (simulated)"
    patterns = detect(series, args.pattern_lookback) if args.pattern_lookback else ()
    spec = build_chart_spec(candles, lines, levels, title=title, patterns=patterns)
    return BuiltChart(
        spec=spec,
        candles=candles,
        lines=tuple(LABELS.get(name, name) for name in lines),
        patterns=min(len(patterns), MAX_PATTERN_MARKERS),
    )


async def save_spec(context: ToolContext, spec: ChartSpec) -> str:
    """Stores a chart of this run and returns its id (price and comparison charts alike)."""
    return await context.charts.save_chart(
        run_id=context.run_id,
        conversation_id=context.conversation_id,
        symbol=spec.symbol,
        interval=spec.interval,
        title=spec.title,
        spec=spec.model_dump(mode="json"),
    )


async def create_chart(context: ToolContext, args: ChartArgs) -> ChartResult:
    built = await build_chart(context.market, context.memo, args)
    spec = built.spec
    chart_id = await save_spec(context, spec)
    return ChartResult(
        simulated=built.candles.simulated,
        chart_id=chart_id,
        symbol=spec.symbol,
        interval=spec.interval,
        title=spec.title,
        source=spec.source,
        as_of=spec.as_of,
        candles=len(spec.candles),
        lines=built.lines,
        levels=len(spec.levels),
        patterns=built.patterns,
        **freshness_of(built.candles),
    )


CHART_TOOL = Tool(
    "create_chart",
    "Draws a candlestick chart of a coin with indicators, support/resistance levels and "
    "candlestick pattern markers; returns the chart id.",
    ChartArgs,
    ChartResult,
    create_chart,
)
