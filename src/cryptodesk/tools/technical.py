"""Technical tools: indicators with their readings, and support and resistance levels."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from cryptodesk.analysis.indicators import (
    DEFAULT_INDICATORS,
    LABELS,
    IndicatorName,
    MacdSeries,
    last_value,
)
from cryptodesk.analysis.levels import LevelKind, find_levels
from cryptodesk.analysis.signals import (
    Momentum,
    Trend,
    Volatility,
    max_drawdown,
    momentum,
    total_return_pct,
    trend,
    volatility,
)
from cryptodesk.market.schemas import Timeframe, timeframe_seconds, utc_from_epoch
from cryptodesk.tools import format as fmt
from cryptodesk.tools.base import Tool, ToolContext, ToolResult
from cryptodesk.tools.market import MAX_CANDLES, CoinArgs

_READING_LINES: tuple[IndicatorName, ...] = ("sma50", "sma200", "rsi14", "macd", "atr14")


class IndicatorsArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe.")
    indicators: list[IndicatorName] = Field(
        default_factory=lambda: list(DEFAULT_INDICATORS), min_length=1
    )
    limit: int = Field(
        300, ge=30, le=MAX_CANDLES, description="Candles to compute on (SMA200 needs 200)."
    )


class SeriesStamp(ToolResult):
    coin_id: str
    symbol: str
    timeframe: Timeframe
    source: str
    as_of: AwareDatetime
    candles: int
    close: float

    def stamp(self) -> str:
        return f"source {self.source}, as of {fmt.when(self.as_of)}"


class IndicatorsResult(SeriesStamp):
    latest: dict[str, float | None]
    """Last value of each requested line (None while warming up), keyed like indicators.LABELS."""
    trend: Trend
    momentum: Momentum
    volatility: Volatility
    return_pct: float
    """Return over the candles computed on."""
    max_drawdown_pct: float

    def summary(self) -> str:
        values = ", ".join(f"{LABELS.get(k, k)} {fmt.number(v)}" for k, v in self.latest.items())
        cross = self.momentum.macd_cross
        crossed = "" if cross == "none" else f", MACD {cross} cross {self.momentum.cross_bars_ago}"
        return (
            f"{self.symbol} {self.timeframe} close {fmt.price(self.close)}: trend "
            f"{self.trend.direction}, RSI14 {fmt.number(self.momentum.rsi)} "
            f"({self.momentum.rsi_zone}){crossed}; {values}; {self.stamp()}"
        )


async def compute_indicators(context: ToolContext, args: IndicatorsArgs) -> IndicatorsResult:
    candles = await context.memo.candles(context.market, args.coin, args.timeframe, args.limit)
    series = context.memo.series(candles)
    requested = context.memo.lines(candles, args.indicators)
    lines = context.memo.lines(candles, _READING_LINES)
    macd = MacdSeries(lines["macd"], lines["macd_signal"], lines["macd_hist"])
    return IndicatorsResult(
        simulated=candles.simulated,
        coin_id=candles.coin_id,
        symbol=candles.symbol,
        timeframe=candles.timeframe,
        source=candles.source,
        as_of=candles.as_of,
        candles=len(series),
        close=float(series.close[-1]),
        latest={name: last_value(values) for name, values in requested.items()},
        trend=trend(series.close, lines["sma50"], lines["sma200"]),
        momentum=momentum(lines["rsi14"], macd),
        volatility=volatility(series.close, lines["atr14"], timeframe_seconds(args.timeframe)),
        return_pct=total_return_pct(series.close),
        max_drawdown_pct=max_drawdown(series.close).max_drawdown_pct,
    )


class LevelsArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe.")
    limit: int = Field(300, ge=20, le=MAX_CANDLES, description="Candles to search for levels.")


class KeyLevel(BaseModel):
    price: float
    kind: LevelKind
    touches: int
    distance_pct: float
    last_touch: AwareDatetime


class LevelsResult(SeriesStamp):
    levels: tuple[KeyLevel, ...]

    def summary(self) -> str:
        if not self.levels:
            found = "no level with two or more touches"
        else:
            found = "; ".join(
                f"{lv.kind} {fmt.price(lv.price)} ({lv.touches} touches, "
                f"{fmt.pct(lv.distance_pct)})"
                for lv in self.levels
            )
        return (
            f"{self.symbol} {self.timeframe} key levels around close {fmt.price(self.close)}: "
            f"{found}; {self.stamp()}"
        )


async def find_key_levels(context: ToolContext, args: LevelsArgs) -> LevelsResult:
    candles = await context.memo.candles(context.market, args.coin, args.timeframe, args.limit)
    series = context.memo.series(candles)
    levels = find_levels(series.high, series.low, series.close)
    return LevelsResult(
        simulated=candles.simulated,
        coin_id=candles.coin_id,
        symbol=candles.symbol,
        timeframe=candles.timeframe,
        source=candles.source,
        as_of=candles.as_of,
        candles=len(series),
        close=float(series.close[-1]),
        levels=tuple(
            KeyLevel(
                price=lv.price,
                kind=lv.kind,
                touches=lv.touches,
                distance_pct=lv.distance_pct,
                last_touch=utc_from_epoch(int(series.time[lv.last_touch])),
            )
            for lv in levels
        ),
    )


INDICATORS_TOOL = Tool(
    "compute_indicators",
    "TA-Lib indicators of a coin (SMA, EMA, RSI, MACD, Bollinger, ATR) with trend, momentum "
    "and volatility readings.",
    IndicatorsArgs,
    IndicatorsResult,
    compute_indicators,
)
LEVELS_TOOL = Tool(
    "find_key_levels",
    "Support and resistance levels of a coin from clustered swing highs and lows.",
    LevelsArgs,
    LevelsResult,
    find_key_levels,
)
