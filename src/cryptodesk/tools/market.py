"""Market tools: a coin's price, its candles, and several coins compared."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from cryptodesk.analysis.compare import AssetPerformance, AssetSeries, compare
from cryptodesk.errors import BadRangeError, ToolError
from cryptodesk.market.schemas import (
    Candle,
    PriceQuote,
    Timeframe,
    timeframe_seconds,
    utc_from_epoch,
)
from cryptodesk.tools import format as fmt
from cryptodesk.tools.base import Tool, ToolContext, ToolResult

MAX_CANDLES = 1000
Period = Literal["24h", "7d", "30d", "90d", "180d", "1y"]
PERIOD_SECONDS: dict[Period, int] = {
    "24h": 86_400,
    "7d": 7 * 86_400,
    "30d": 30 * 86_400,
    "90d": 90 * 86_400,
    "180d": 180 * 86_400,
    "1y": 365 * 86_400,
}


class CoinArgs(BaseModel):
    coin: str = Field(description="Coin id, symbol or name, e.g. 'bitcoin', 'BTC', 'Solana'.")


class PriceResult(ToolResult):
    quote: PriceQuote

    def summary(self) -> str:
        q = self.quote
        change = fmt.pct(q.change_24h_pct)
        return (
            f"{q.name} ({q.symbol}) {fmt.usd(q.price_usd)}, 24h {change} "
            f"(high {fmt.price(q.high_24h)}, low {fmt.price(q.low_24h)}, "
            f"volume {fmt.compact_usd(q.volume_24h)}); source {q.source}, as of {fmt.when(q.as_of)}"
        )


async def get_crypto_price(context: ToolContext, args: CoinArgs) -> PriceResult:
    quote = await context.market.get_price(args.coin)
    return PriceResult(simulated=quote.simulated, quote=quote)


class OhlcArgs(CoinArgs):
    timeframe: Timeframe = Field("4h", description="Candle timeframe.")
    limit: int = Field(200, ge=1, le=MAX_CANDLES, description="Number of most recent candles.")


class OhlcResult(ToolResult):
    coin_id: str
    symbol: str
    timeframe: Timeframe
    source: str
    as_of: AwareDatetime
    candles: tuple[Candle, ...]

    def summary(self) -> str:
        first, last = self.candles[0], self.candles[-1]
        high = max(c.high for c in self.candles)
        low = min(c.low for c in self.candles)
        return (
            f"{self.symbol} {self.timeframe}: {len(self.candles)} candles from "
            f"{fmt.when(first.time)} to {fmt.when(last.time)}; last close {fmt.price(last.close)}, "
            f"range {fmt.price(low)}-{fmt.price(high)}; source {self.source}, "
            f"as of {fmt.when(self.as_of)}"
        )


async def get_ohlc(context: ToolContext, args: OhlcArgs) -> OhlcResult:
    candles = await context.memo.candles(context.market, args.coin, args.timeframe, args.limit)
    return OhlcResult(
        simulated=candles.simulated,
        coin_id=candles.coin_id,
        symbol=candles.symbol,
        timeframe=candles.timeframe,
        source=candles.source,
        as_of=candles.as_of,
        candles=candles.candles,
    )


class CompareArgs(BaseModel):
    coins: list[str] = Field(min_length=2, max_length=6, description="2 to 6 coins.")
    timeframe: Timeframe = Field("1d", description="Candle timeframe of the comparison.")
    period: Period = Field("30d", description="How far back to compare.")


class SourceStamp(BaseModel):
    symbol: str
    source: str
    as_of: AwareDatetime


class CompareResult(ToolResult):
    timeframe: Timeframe
    period: Period
    start: AwareDatetime
    """Open time of the first candle all coins share."""
    end: AwareDatetime
    """Open time of the last candle all coins share."""
    candles: int
    assets: tuple[AssetPerformance, ...]
    correlation: tuple[tuple[float | None, ...], ...]
    best: str
    worst: str
    sources: tuple[SourceStamp, ...]

    def summary(self) -> str:
        rows = ", ".join(f"{a.symbol} {fmt.pct(a.return_pct)}" for a in self.assets)
        return (
            f"{self.period} on {self.timeframe} ({self.candles} common candles, "
            f"{fmt.when(self.start)} to {fmt.when(self.end)}): {rows}; best {self.best}, "
            f"worst {self.worst}; sources: "
            + "; ".join(f"{s.symbol} {s.source} as of {fmt.when(s.as_of)}" for s in self.sources)
        )


async def compare_assets(context: ToolContext, args: CompareArgs) -> CompareResult:
    coins = list(dict.fromkeys(context.market.resolve(coin).id for coin in args.coins))
    if len(coins) < 2:
        raise ToolError(f"compare_assets needs two different coins, got {', '.join(args.coins)}")
    step = timeframe_seconds(args.timeframe)
    limit = PERIOD_SECONDS[args.period] // step + 1
    if limit < 3:
        raise BadRangeError(
            f"a {args.period} period holds too few {args.timeframe} candles; use a finer timeframe"
        )
    if limit > MAX_CANDLES:
        raise BadRangeError(
            f"a {args.period} period needs {limit} {args.timeframe} candles (max {MAX_CANDLES}); "
            "use a coarser timeframe"
        )
    fetched = [await context.memo.candles(context.market, c, args.timeframe, limit) for c in coins]
    series = [context.memo.series(candles) for candles in fetched]
    result = compare(
        [
            AssetSeries(candles.symbol, s.time, s.close)
            for candles, s in zip(fetched, series, strict=True)
        ],
        step,
    )
    return CompareResult(
        simulated=any(candles.simulated for candles in fetched),
        timeframe=args.timeframe,
        period=args.period,
        start=utc_from_epoch(result.start),
        end=utc_from_epoch(result.end),
        candles=result.candles,
        assets=result.assets,
        correlation=result.correlation,
        best=result.best,
        worst=result.worst,
        sources=tuple(
            SourceStamp(symbol=c.symbol, source=c.source, as_of=c.as_of) for c in fetched
        ),
    )


PRICE_TOOL = Tool(
    "get_crypto_price",
    "Current price of a coin in USD with 24h change, high, low and volume.",
    CoinArgs,
    PriceResult,
    get_crypto_price,
)
OHLC_TOOL = Tool(
    "get_ohlc",
    "The most recent OHLCV candles of a coin on a timeframe (at most 1000).",
    OhlcArgs,
    OhlcResult,
    get_ohlc,
)
COMPARE_TOOL = Tool(
    "compare_assets",
    "Relative performance (return, volatility, max drawdown) and return correlation of 2-6 "
    "coins over a period.",
    CompareArgs,
    CompareResult,
    compare_assets,
)
