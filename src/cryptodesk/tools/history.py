"""The history tool: what a coin's price did over a past window (a date range or a period).

A date range comes from the market's history (CoinGecko's range endpoint live, within the plan's
reach; the replay files when they cover it; never the simulated demo market). A period ("this
week") is read from the latest candles, so "now" is the source's now.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from cryptodesk.analysis.signals import max_drawdown
from cryptodesk.domain import format as fmt
from cryptodesk.errors import ToolError
from cryptodesk.market.schemas import PricePoint, Timeframe, timeframe_delta
from cryptodesk.tools.base import Tool, ToolContext, ToolResult
from cryptodesk.tools.market import PERIOD_SECONDS, CoinArgs, Period

PATH_POINTS = 8
"""Points of the price path shown (evenly spread over the window, first and last included)."""
PERIOD_TIMEFRAMES: dict[Period, Timeframe] = {
    "24h": "1h",
    "7d": "1h",
    "30d": "4h",
    "90d": "1d",
    "180d": "1d",
    "1y": "1d",
}


class HistoryArgs(CoinArgs):
    start: AwareDatetime | None = Field(None, description="Window start (UTC), with `end`.")
    end: AwareDatetime | None = Field(None, description="Window end (UTC), with `start`.")
    period: Period | None = Field(None, description="Or: the period up to the latest candle.")

    @model_validator(mode="after")
    def _window(self) -> Self:
        dated = self.start is not None and self.end is not None
        if dated == (self.period is not None) or (self.start is None) != (self.end is None):
            raise ValueError("give either start and end, or a period")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Extreme(BaseModel):
    price: float
    time: AwareDatetime


class PathPoint(BaseModel):
    time: AwareDatetime
    price: float
    change_pct: float
    """From the window's first price."""


class HistoryResult(ToolResult):
    coin_id: str
    symbol: str
    source: str
    as_of: AwareDatetime
    start: AwareDatetime
    """First point of the window."""
    end: AwareDatetime
    """Last point of the window."""
    samples: int
    first: float
    last: float
    change_pct: float
    high: Extreme
    low: Extreme
    max_drawdown_pct: float
    path: tuple[PathPoint, ...]
    """`PATH_POINTS` points of the window, for the report."""

    def summary(self) -> str:
        return (
            f"{self.symbol} from {fmt.when(self.start)} to {fmt.when(self.end)} ({self.samples} "
            f"prices): {fmt.price(self.first)} -> {fmt.price(self.last)} "
            f"({fmt.pct(self.change_pct)}), high {fmt.price(self.high.price)} on "
            f"{fmt.day(self.high.time)}, low {fmt.price(self.low.price)} on "
            f"{fmt.day(self.low.time)}, max drawdown {fmt.pct(self.max_drawdown_pct)}; source "
            f"{self.source}, as of {fmt.when(self.as_of)}"
        )


def _path(points: tuple[PricePoint, ...]) -> tuple[PathPoint, ...]:
    picks = np.linspace(0, len(points) - 1, min(PATH_POINTS, len(points))).round().astype(int)
    first = points[0].price
    return tuple(
        PathPoint(
            time=points[i].time,
            price=points[i].price,
            change_pct=(points[i].price / first - 1.0) * 100.0,
        )
        for i in dict.fromkeys(picks.tolist())
    )


def summarise(
    coin_id: str, symbol: str, source: str, simulated: bool, points: tuple[PricePoint, ...]
) -> HistoryResult:
    prices = np.array([p.price for p in points], dtype=np.float64)
    high, low = int(np.argmax(prices)), int(np.argmin(prices))
    return HistoryResult(
        simulated=simulated,
        coin_id=coin_id,
        symbol=symbol,
        source=source,
        as_of=points[-1].time,
        start=points[0].time,
        end=points[-1].time,
        samples=len(points),
        first=points[0].price,
        last=points[-1].price,
        change_pct=(points[-1].price / points[0].price - 1.0) * 100.0,
        high=Extreme(price=points[high].price, time=points[high].time),
        low=Extreme(price=points[low].price, time=points[low].time),
        max_drawdown_pct=max_drawdown(prices).max_drawdown_pct,
        path=_path(points),
    )


async def get_price_history(context: ToolContext, args: HistoryArgs) -> HistoryResult:
    if args.period is not None:
        timeframe = PERIOD_TIMEFRAMES[args.period]
        limit = PERIOD_SECONDS[args.period] // int(timeframe_delta(timeframe).total_seconds())
        candles = await context.memo.candles(context.market, args.coin, timeframe, limit)
        step = timeframe_delta(timeframe)
        # The first point is the window's opening price, then every candle's close.
        points = (
            PricePoint(time=candles.candles[0].time, price=candles.candles[0].open),
            *(PricePoint(time=c.time + step, price=c.close) for c in candles.candles),
        )
        return summarise(candles.coin_id, candles.symbol, candles.source, candles.simulated, points)
    if args.start is None or args.end is None:  # excluded by the arguments' validator
        raise ToolError("get_price_history needs start and end, or a period")
    history = await context.market.price_history(args.coin, args.start, args.end)
    return summarise(
        history.coin_id, history.symbol, history.source, history.simulated, history.points
    )


HISTORY_TOOL = Tool(
    "get_price_history",
    "What a coin's USD price did over a past window: a date range (live CoinGecko within the "
    "plan's reach, or replay files covering it) or a period up to now; first and last price, "
    "change, high, low, max drawdown and the path.",
    HistoryArgs,
    HistoryResult,
    get_price_history,
)
