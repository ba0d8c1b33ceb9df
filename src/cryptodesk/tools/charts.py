"""The chart tool: candles with indicators and key levels, stored for the browser."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from cryptodesk.analysis.indicators import LABELS, IndicatorName
from cryptodesk.analysis.levels import find_levels
from cryptodesk.charts.spec import build_chart_spec
from cryptodesk.market.schemas import Timeframe
from cryptodesk.runs.events import ChartCreated, DomainEvent
from cryptodesk.tools import format as fmt
from cryptodesk.tools.base import Tool, ToolContext, ToolResult
from cryptodesk.tools.market import MAX_CANDLES, CoinArgs

CHART_INDICATORS: tuple[IndicatorName, ...] = ("sma50", "sma200", "bollinger", "rsi14", "macd")


class ChartArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe.")
    indicators: list[IndicatorName] = Field(default_factory=lambda: list(CHART_INDICATORS))
    with_levels: bool = Field(True, description="Draw support and resistance levels.")
    limit: int = Field(300, ge=20, le=MAX_CANDLES, description="Candles on the chart.")


class ChartResult(ToolResult):
    chart_id: str
    symbol: str
    interval: Timeframe
    title: str
    source: str
    as_of: AwareDatetime
    candles: int
    lines: tuple[str, ...]
    levels: int

    def summary(self) -> str:
        drawn = ", ".join(self.lines) or "no indicators"
        return (
            f"chart {self.chart_id}: {self.title}, {self.candles} candles with {drawn} and "
            f"{self.levels} levels; source {self.source}, as of {fmt.when(self.as_of)}"
        )

    def events(self) -> tuple[DomainEvent, ...]:
        return (ChartCreated(self.chart_id, self.symbol, self.interval, self.title),)


async def create_chart(context: ToolContext, args: ChartArgs) -> ChartResult:
    candles = await context.memo.candles(context.market, args.coin, args.timeframe, args.limit)
    series = context.memo.series(candles)
    lines = context.memo.lines(candles, args.indicators)
    levels = find_levels(series.high, series.low, series.close) if args.with_levels else ()
    coin = context.market.resolve(candles.coin_id)
    title = f"{coin.name} ({candles.symbol}) {candles.timeframe}"
    if candles.simulated:
        title += " (simulated)"
    spec = build_chart_spec(candles, lines, levels, title=title)
    chart_id = await context.charts.save_chart(
        run_id=context.run_id,
        conversation_id=context.conversation_id,
        symbol=spec.symbol,
        interval=spec.interval,
        title=spec.title,
        spec=spec.model_dump(mode="json"),
    )
    return ChartResult(
        simulated=candles.simulated,
        chart_id=chart_id,
        symbol=spec.symbol,
        interval=spec.interval,
        title=spec.title,
        source=spec.source,
        as_of=spec.as_of,
        candles=len(spec.candles),
        lines=tuple(LABELS.get(name, name) for name in lines),
        levels=len(spec.levels),
    )


CHART_TOOL = Tool(
    "create_chart",
    "Draws a candlestick chart of a coin with indicators and support/resistance levels; "
    "returns the chart id.",
    ChartArgs,
    ChartResult,
    create_chart,
)
