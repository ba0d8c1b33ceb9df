"""Technical tools: indicators with their readings, key levels and candlestick patterns."""

from __future__ import annotations

import math
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from cryptodesk.analysis.indicators import (
    DEFAULT_INDICATORS,
    LABELS,
    AdxSeries,
    IndicatorName,
    MacdSeries,
    StochasticSeries,
    last_value,
)
from cryptodesk.analysis.levels import LevelKind
from cryptodesk.analysis.momentum import Momentum, macd_reading, momentum
from cryptodesk.analysis.patterns import PATTERNS, PatternBias, PatternName, detect
from cryptodesk.analysis.signals import (
    StochasticReading,
    TrendStrength,
    Volatility,
    VolumeReading,
    max_drawdown,
    stochastic_reading,
    total_return_pct,
    trend_strength,
    volatility,
    volume_reading,
)
from cryptodesk.analysis.trend import Trend, trend
from cryptodesk.domain import format as fmt
from cryptodesk.market.ohlcv import FloatArray
from cryptodesk.market.schemas import Candles, Timeframe, timeframe_seconds, utc_from_epoch
from cryptodesk.tools.base import PREVIEW_LIMIT, SIMULATED_PREFIX, Tool, ToolContext, ToolResult
from cryptodesk.tools.market import MAX_CANDLES, CoinArgs, freshness_of

_READING_LINES: tuple[IndicatorName, ...] = ("sma50", "sma200", "rsi14", "macd", "atr14")
MAX_PATTERN_LOOKBACK = 200


def fit(head: str, parts: list[str], tail: str, limit: int = PREVIEW_LIMIT) -> str:
    """`head: parts; tail` with as many parts as fit in `limit` (and the simulated prefix)."""
    budget = limit - len(SIMULATED_PREFIX) - len(head) - len(tail) - 4
    kept: list[str] = []
    for index, part in enumerate(parts):
        more = f"+{len(parts) - index} more"
        needed = len("; ".join([*kept, part]))
        if index < len(parts) - 1:
            needed += len(more) + 2
        if needed > budget:
            kept.append(more)
            break
        kept.append(part)
    return f"{head}: {'; '.join(kept)}; {tail}" if kept else f"{head}; {tail}"


def series_stamp(candles: Candles) -> dict[str, Any]:
    """What every result built on one candle series says about that series: which coin and
    timeframe, where the candles came from and how fresh or simulated they are."""
    return {
        "simulated": candles.simulated,
        "coin_id": candles.coin_id,
        "symbol": candles.symbol,
        "timeframe": candles.timeframe,
        "source": candles.source,
        "as_of": candles.as_of,
        **freshness_of(candles),
    }


class IndicatorsArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe.")
    indicators: list[IndicatorName] = Field(
        default_factory=lambda: list(DEFAULT_INDICATORS),
        min_length=1,
        description="Indicators to compute; vwap is per UTC-day session on intraday candles.",
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
    stale: bool = False
    age_s: float | None = None
    """Seconds since the candles were fetched, when they came from a cache."""
    fallback: bool = False

    def label(self) -> str:
        """What a preview starts with when the candles are not fresh live data (after the
        simulated prefix), so no clipping can cut it off."""
        return fmt.freshness(stale=self.stale, age_s=self.age_s, fallback=self.fallback)

    def stamp(self) -> str:
        return f"source {self.source}, as of {fmt.when(self.as_of)}"


class IndicatorLines(BaseModel):
    """Full indicator lines aligned with the candles, for charts; None during warm-up."""

    time: tuple[int, ...]
    """Candle open times, epoch seconds."""
    values: dict[str, tuple[float | None, ...]]


def _lines(time: list[int], lines: dict[str, FloatArray]) -> IndicatorLines:
    return IndicatorLines(
        time=tuple(time),
        values={
            name: tuple(None if math.isnan(v) else v for v in values.tolist())
            for name, values in lines.items()
        },
    )


class IndicatorsResult(SeriesStamp):
    latest: dict[str, float | None]
    """Last value of each requested line (None while warming up), keyed like indicators.LABELS."""
    trend: Trend
    momentum: Momentum
    volatility: Volatility
    trend_strength: TrendStrength | None = None
    """With `adx` requested."""
    stochastic: StochasticReading | None = None
    """With `stoch` requested."""
    volume: VolumeReading | None = None
    """With `obv` or `vwap` requested."""
    return_pct: float
    """Return over the candles computed on."""
    max_drawdown_pct: float
    lines: IndicatorLines

    def _readings(self) -> list[str]:
        m = self.momentum
        parts = [
            f"{self.trend.direction}, RSI14 {fmt.number(m.rsi)} ({m.rsi_zone}), {macd_reading(m)}"
        ]
        if self.trend_strength is not None:
            ts = self.trend_strength
            parts.append(f"ADX14 {fmt.number(ts.adx)} ({ts.strength} trend, {ts.lead} lead)")
        if self.stochastic is not None:
            parts.append(f"Stoch %K {fmt.number(self.stochastic.k)} ({self.stochastic.zone})")
        if self.volume is not None and self.volume.vwap is not None:
            parts.append(f"close {fmt.pct(self.volume.vs_vwap_pct)} vs VWAP")
        if self.volume is not None and self.volume.obv is not None:
            parts.append(f"OBV {self.volume.obv_direction}")
        return parts

    def summary(self) -> str:
        values = [f"{LABELS.get(k, k)} {fmt.number(v)}" for k, v in self.latest.items()]
        head = f"{self.label()}{self.symbol} {self.timeframe} close {fmt.price(self.close)}"
        return fit(head, [*self._readings(), *values], self.stamp())


async def compute_indicators(context: ToolContext, args: IndicatorsArgs) -> IndicatorsResult:
    candles = await context.memo.candles(context.market, args.coin, args.timeframe, args.limit)
    series = context.memo.series(candles)
    requested = context.memo.lines(candles, args.indicators)
    lines = context.memo.lines(candles, _READING_LINES)
    macd = MacdSeries(lines["macd"], lines["macd_signal"], lines["macd_hist"])
    wanted = set(args.indicators)
    return IndicatorsResult(
        **series_stamp(candles),
        candles=len(series),
        close=float(series.close[-1]),
        latest={name: last_value(values) for name, values in requested.items()},
        trend=trend(series.close, lines["sma50"], lines["sma200"]),
        momentum=momentum(lines["rsi14"], macd),
        volatility=volatility(series.close, lines["atr14"], timeframe_seconds(args.timeframe)),
        trend_strength=(
            trend_strength(AdxSeries(requested["adx"], requested["plus_di"], requested["minus_di"]))
            if "adx" in wanted
            else None
        ),
        stochastic=(
            stochastic_reading(StochasticSeries(requested["stoch_k"], requested["stoch_d"]))
            if "stoch" in wanted
            else None
        ),
        volume=(
            volume_reading(series.close, requested.get("obv"), requested.get("vwap"))
            if wanted & {"obv", "vwap"}
            else None
        ),
        return_pct=total_return_pct(series.close),
        max_drawdown_pct=max_drawdown(series.close).max_drawdown_pct,
        lines=_lines(series.time.tolist(), requested),
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
        found = [
            f"{lv.kind} {fmt.price(lv.price)} ({lv.touches} touches, {fmt.pct(lv.distance_pct)})"
            for lv in self.levels
        ] or ["no level with two or more touches"]
        head = f"{self.label()}{self.symbol} {self.timeframe} key levels around close"
        return fit(f"{head} {fmt.price(self.close)}", found, self.stamp())


async def find_key_levels(context: ToolContext, args: LevelsArgs) -> LevelsResult:
    candles = await context.memo.candles(context.market, args.coin, args.timeframe, args.limit)
    series = context.memo.series(candles)
    levels = context.memo.levels(candles)
    return LevelsResult(
        **series_stamp(candles),
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


class PatternsArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe.")
    lookback: int = Field(
        20, ge=1, le=MAX_PATTERN_LOOKBACK, description="Most recent candles to search."
    )
    limit: int = Field(
        300,
        ge=30,
        le=MAX_CANDLES,
        description="Candles to fetch; the ones before the lookback give TA-Lib its context.",
    )
    patterns: list[PatternName] = Field(
        default_factory=lambda: list(PATTERNS), min_length=1, description="Patterns to look for."
    )

    @model_validator(mode="after")
    def _lookback_within_limit(self) -> Self:
        if self.lookback > self.limit:
            raise ValueError(f"lookback {self.lookback} exceeds limit {self.limit}")
        return self


class PatternFound(BaseModel):
    time: AwareDatetime
    """Open time of the candle that completes the pattern."""
    bars_ago: int
    pattern: PatternName
    label: str
    bias: PatternBias
    strength: int
    """TA-Lib's score: ±100, ±200 when confirmed, ±80 for a weak variant."""


class PatternsResult(SeriesStamp):
    lookback: int
    patterns: tuple[PatternFound, ...]
    """Oldest first."""
    bullish: int
    bearish: int
    neutral: int

    def summary(self) -> str:
        head = (
            f"{self.label()}{self.symbol} {self.timeframe} candlestick patterns in the last "
            f"{self.lookback} candles: {len(self.patterns)} found ({self.bullish} bullish, "
            f"{self.bearish} bearish, {self.neutral} neutral)"
        )
        latest = [
            f"{p.label} {p.bias} {p.strength:+d} {fmt.candles_ago(p.bars_ago)}"
            for p in reversed(self.patterns)
        ]
        return fit(head, latest, self.stamp())


async def detect_patterns(context: ToolContext, args: PatternsArgs) -> PatternsResult:
    candles = await context.memo.candles(context.market, args.coin, args.timeframe, args.limit)
    series = context.memo.series(candles)
    hits = detect(series, args.lookback, args.patterns)
    last = len(series) - 1
    return PatternsResult(
        **series_stamp(candles),
        candles=len(series),
        close=float(series.close[-1]),
        lookback=args.lookback,
        patterns=tuple(
            PatternFound(
                time=utc_from_epoch(hit.time),
                bars_ago=last - hit.index,
                pattern=hit.pattern,
                label=hit.label,
                bias=hit.bias,
                strength=hit.strength,
            )
            for hit in hits
        ),
        bullish=sum(hit.bias == "bullish" for hit in hits),
        bearish=sum(hit.bias == "bearish" for hit in hits),
        neutral=sum(hit.bias == "neutral" for hit in hits),
    )


INDICATORS_TOOL = Tool(
    "compute_indicators",
    "TA-Lib indicators of a coin (SMA, EMA, RSI, MACD, Bollinger, ATR, ADX, stochastic, OBV) "
    "and VWAP, with trend, momentum, trend strength, volume and volatility readings.",
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
PATTERNS_TOOL = Tool(
    "detect_patterns",
    "TA-Lib candlestick patterns (engulfing, hammer, doji, stars, harami, soldiers/crows, ...) "
    "completed on a coin's most recent candles, each bullish, bearish or neutral.",
    PatternsArgs,
    PatternsResult,
    detect_patterns,
)
