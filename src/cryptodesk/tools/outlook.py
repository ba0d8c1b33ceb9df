"""The outlook tool: bias, signals, levels, invalidation and scenarios of a coin on a timeframe.

It reads candles, indicator lines and levels through the run memo, so within a run it sees the
snapshot the other tools saw and its numbers equal theirs; each signal names the tool call its
value came from (the run's `compute_indicators` call on the same candles when there was one,
else this call). Only candles up to the last close are used: the outlook never looks ahead.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from cryptodesk.analysis.bias import Citation, Readings, TimeframeTrend
from cryptodesk.analysis.divergence import Divergence, find_divergence
from cryptodesk.analysis.indicators import AdxSeries, IndicatorName, MacdSeries, last_value
from cryptodesk.analysis.levels import Level
from cryptodesk.analysis.momentum import momentum
from cryptodesk.analysis.outlook import Window, assess
from cryptodesk.analysis.signals import trend_strength
from cryptodesk.analysis.trend import trend
from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import Outlook
from cryptodesk.errors import MarketDataError, UnsupportedTimeframeError
from cryptodesk.market.schemas import TIMEFRAMES, Candles, Timeframe
from cryptodesk.tools.base import Tool, ToolContext
from cryptodesk.tools.context import CallRef, current_call
from cryptodesk.tools.market import MAX_CANDLES, CoinArgs
from cryptodesk.tools.technical import SeriesStamp, fit, series_stamp

TOOL_NAME = "assess_outlook"
_LINES: tuple[IndicatorName, ...] = ("sma50", "sma200", "rsi14", "macd", "atr14", "adx")
_TREND_LINES: tuple[IndicatorName, ...] = ("sma50", "sma200")


class OutlookArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe of the outlook.")
    entry_low: float | None = Field(None, gt=0, description="Low of an entry zone, if any.")
    entry_high: float | None = Field(None, gt=0, description="High of an entry zone, if any.")
    limit: int = Field(
        300, ge=60, le=MAX_CANDLES, description="Candles to assess (SMA200 needs 200)."
    )

    @model_validator(mode="after")
    def _zone(self) -> Self:
        if (self.entry_low is None) != (self.entry_high is None):
            raise ValueError("give both entry_low and entry_high, or neither")
        if self.entry_low is not None and self.entry_high is not None:
            if self.entry_low > self.entry_high:
                raise ValueError("entry_low must not exceed entry_high")
        return self

    @property
    def entry_zone(self) -> tuple[float, float] | None:
        if self.entry_low is None or self.entry_high is None:
            return None
        return (self.entry_low, self.entry_high)


class OutlookResult(SeriesStamp):
    outlook: Outlook
    divergence: Divergence | None = None
    higher: TimeframeTrend | None = None
    """The trend of the timeframe above (confluence)."""
    lower: TimeframeTrend | None = None
    """The trend of the timeframe below."""

    def summary(self) -> str:
        o = self.outlook
        head = (
            f"{self.label()}{o.symbol} {o.timeframe} outlook at {fmt.price(o.price)}: {o.bias}, "
            f"strength {o.strength:g}"
        )
        parts = [
            f"support {_level(o.support)}, resistance {_level(o.resistance)}, invalidation "
            f"{_level(o.invalidation)}",
            *(s.reading for s in o.signals),
            f"horizon {o.horizon.label}",
        ]
        return fit(head, parts, self.stamp())


def _level(value: float | None) -> str:
    return fmt.price(value) if value is not None else "none"


def neighbours(timeframe: Timeframe) -> tuple[Timeframe | None, Timeframe | None]:
    """The timeframes above and below `timeframe` (None at either end)."""
    index = TIMEFRAMES.index(timeframe)
    higher = TIMEFRAMES[index + 1] if index + 1 < len(TIMEFRAMES) else None
    lower = TIMEFRAMES[index - 1] if index > 0 else None
    return higher, lower


async def _timeframe_trend(
    context: ToolContext, coin: str, timeframe: Timeframe | None, limit: int
) -> tuple[TimeframeTrend | None, Candles | None]:
    if timeframe is None:
        return None, None
    try:
        candles = await context.memo.candles(context.market, coin, timeframe, limit)
    except UnsupportedTimeframeError:
        return TimeframeTrend(timeframe, "undetermined", None, "not served by this source"), None
    except MarketDataError as e:
        return TimeframeTrend(timeframe, "undetermined", None, note=e.message), None
    series = context.memo.series(candles)
    lines = context.memo.lines(candles, _TREND_LINES)
    reading = trend(series.close, lines["sma50"], lines["sma200"])
    note = "too few candles for SMA50" if reading.direction == "undetermined" else None
    return TimeframeTrend(timeframe, reading.direction, reading.return_pct, note), candles


def _divergence(context: ToolContext, candles: Candles) -> Divergence | None:
    series = context.memo.series(candles)
    lines = context.memo.lines(candles, ("rsi14", "macd"))
    found = [
        find_divergence(series.high, series.low, lines["rsi14"], "RSI14"),
        find_divergence(series.high, series.low, lines["macd"], "MACD"),
    ]
    current = [d for d in found if d is not None]
    return max(current, key=lambda d: d.second) if current else None


async def _wider_levels(
    context: ToolContext, args: OutlookArgs, window: Candles, levels: tuple[Level, ...]
) -> tuple[Level, ...]:
    """Levels of a longer look back when the window lacks support or resistance."""
    price = window.candles[-1].close
    has_both = any(lv.price < price for lv in levels) and any(lv.price > price for lv in levels)
    if has_both or args.limit >= MAX_CANDLES:
        return ()
    wider = await context.memo.candles(context.market, args.coin, args.timeframe, MAX_CANDLES)
    return context.memo.levels(wider) if len(wider.candles) > len(window.candles) else ()


def _labels(candles: Candles) -> tuple[str, ...]:
    flags = (
        ("simulated", candles.simulated),
        ("replay", candles.source.startswith("replay:")),
        ("stale", candles.stale),
        ("fallback", candles.fallback),
    )
    return tuple(label for label, on in flags if on)


async def assess_outlook(context: ToolContext, args: OutlookArgs) -> OutlookResult:
    memo = context.memo
    own = current_call.get() or CallRef(TOOL_NAME, "")
    candles = await memo.candles(context.market, args.coin, args.timeframe, args.limit)
    series = memo.series(candles)
    lines = memo.lines(candles, _LINES)
    levels = memo.levels(candles)
    price = float(series.close[-1])
    higher_tf, lower_tf = neighbours(args.timeframe)
    higher, higher_candles = await _timeframe_trend(context, args.coin, higher_tf, args.limit)
    lower, _ = await _timeframe_trend(context, args.coin, lower_tf, args.limit)
    wider = await _wider_levels(context, args, candles, levels)
    divergence = _divergence(context, candles)

    def cite(of: Candles | None, name: str) -> Citation:
        found = memo.origin(of, name) if of is not None else None
        call = found or own
        return (call.tool_name, call.call_id or None)

    readings = Readings(
        trend=trend(series.close, lines["sma50"], lines["sma200"]),
        momentum=momentum(
            lines["rsi14"], MacdSeries(lines["macd"], lines["macd_signal"], lines["macd_hist"])
        ),
        strength=trend_strength(AdxSeries(lines["adx"], lines["plus_di"], lines["minus_di"])),
        divergence=divergence,
        higher=higher,
        lower=lower,
    )
    divergence_line = "rsi14" if divergence is None or divergence.indicator == "RSI14" else "macd"
    window = Window(
        symbol=candles.symbol,
        coin_id=candles.coin_id,
        timeframe=args.timeframe,
        as_of=candles.as_of,
        price=price,
        high=float(series.high.max()),
        low=float(series.low.min()),
        candles=len(series),
        atr=last_value(lines["atr14"]),
        source=candles.source,
        data_labels=_labels(candles),
    )
    outlook = assess(
        window,
        readings,
        levels,
        {
            "trend": cite(candles, "sma50"),
            "rsi": cite(candles, "rsi14"),
            "macd": cite(candles, "macd"),
            "adx": cite(candles, "adx"),
            "divergence": cite(candles, divergence_line),
            "confluence": cite(higher_candles, "sma50"),
        },
        wider=wider,
        entry_zone=args.entry_zone,
    )
    return OutlookResult(
        **series_stamp(candles),
        candles=len(series),
        close=price,
        outlook=outlook,
        divergence=divergence,
        higher=higher,
        lower=lower,
    )


OUTLOOK_TOOL = Tool(
    TOOL_NAME,
    "Structured outlook of a coin on a timeframe: bias (bullish/bearish/neutral) with strength "
    "and the signals behind it, nearest support and resistance, the invalidation level, a bull "
    "and a bear scenario (risk/reward for an entry zone) and the horizon. Scenarios, not advice.",
    OutlookArgs,
    OutlookResult,
    assess_outlook,
)
