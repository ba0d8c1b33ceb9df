"""Market tools: a coin's price, its candles, the market overview, trending coins and coin
search (comparisons are in `comparison.py`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from cryptodesk.analysis.breadth import Breadth, breadth
from cryptodesk.domain import format as fmt
from cryptodesk.market.schemas import (
    Candle,
    Candles,
    CoinSearch,
    ConvertedPrice,
    MarketOverview,
    PriceQuote,
    Timeframe,
    TrendingCoins,
)
from cryptodesk.tools.base import (
    PREVIEW_LIMIT,
    SIMULATED_PREFIX,
    Tool,
    ToolContext,
    ToolResult,
)

MAX_CANDLES = 1000
PREVIEW_BUDGET = PREVIEW_LIMIT - len(SIMULATED_PREFIX)
Period = Literal["24h", "7d", "30d", "90d", "180d", "1y"]
PERIOD_SECONDS: dict[Period, int] = {
    "24h": 86_400,
    "7d": 7 * 86_400,
    "30d": 30 * 86_400,
    "90d": 90 * 86_400,
    "180d": 180 * 86_400,
    "1y": 365 * 86_400,
}


def freshness_of(value: Candles) -> dict[str, Any]:
    """The `stale`, `age_s` and `fallback` labels of candles, for the results built on them."""
    return {"stale": value.stale, "age_s": value.age_s, "fallback": value.fallback}


class CoinArgs(BaseModel):
    coin: str = Field(description="Coin id, symbol or name, e.g. 'bitcoin', 'BTC', 'Solana'.")


class PriceArgs(CoinArgs):
    vs_currency: str = Field(
        "usd",
        pattern=r"^[a-zA-Z]{3,5}$",
        description="Quote currency besides USD, e.g. 'eur', 'gbp', 'jpy', 'btc' (live data only).",
    )


class PriceResult(ToolResult):
    quote: PriceQuote
    converted: ConvertedPrice | None = None
    """The price in the `vs_currency` asked for, when it is not USD."""

    def summary(self) -> str:
        q = self.quote
        change = fmt.pct(q.change_24h_pct)
        cap = f", market cap {fmt.compact_usd(q.market_cap_usd)}" if q.market_cap_usd else ""
        also = ""
        if self.converted is not None:
            c = self.converted
            also = f", {fmt.price(c.price)} {c.currency.upper()} ({fmt.pct(c.change_24h_pct)})"
        return (
            f"{fmt.freshness(stale=q.stale, age_s=q.age_s, fallback=q.fallback)}"
            f"{q.name} ({q.symbol}) {fmt.usd(q.price_usd)}{also}, 24h {change} "
            f"(high {fmt.price(q.high_24h)}, low {fmt.price(q.low_24h)}, "
            f"volume {fmt.compact_usd(q.volume_24h)}{cap}); source {q.source}, "
            f"as of {fmt.when(q.as_of)}"
        )


async def get_crypto_price(context: ToolContext, args: PriceArgs) -> PriceResult:
    quote = await context.market.get_price(args.coin)
    converted = None
    if args.vs_currency.lower() != "usd":
        converted = await context.market.get_price_in(args.coin, args.vs_currency)
    return PriceResult(simulated=quote.simulated, quote=quote, converted=converted)


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
    stale: bool = False
    age_s: float | None = None
    fallback: bool = False

    def summary(self) -> str:
        first, last = self.candles[0], self.candles[-1]
        high = max(c.high for c in self.candles)
        low = min(c.low for c in self.candles)
        return (
            f"{fmt.freshness(stale=self.stale, age_s=self.age_s, fallback=self.fallback)}"
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
        stale=candles.stale,
        age_s=candles.age_s,
        fallback=candles.fallback,
    )


PRICE_TOOL = Tool(
    "get_crypto_price",
    "Current price of a coin in USD with 24h change, high, low and volume; optionally also in "
    "another quote currency (live data).",
    PriceArgs,
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


def _stamp(value: MarketOverview | TrendingCoins | CoinSearch) -> str:
    return f"source {value.source}, as of {fmt.when(value.as_of)}"


def _head(value: MarketOverview | TrendingCoins | CoinSearch) -> str:
    return fmt.freshness(stale=value.stale, age_s=value.age_s, fallback=value.fallback)


def _fit(head: str, items: list[str], tail: str, limit: int = PREVIEW_BUDGET) -> str:
    """`head` + as many `items` as fit + `tail`, so the source is never clipped away."""
    shown: list[str] = []
    for item in items:
        if len(head) + len(", ".join([*shown, item])) + len(tail) > limit:
            break
        shown.append(item)
    more = f" (+{len(items) - len(shown)} more)" if len(shown) < len(items) else ""
    return head + ", ".join(shown) + more + tail


class OverviewArgs(BaseModel):
    limit: int = Field(10, ge=1, le=50, description="How many of the largest coins to list.")


class OverviewResult(ToolResult):
    overview: MarketOverview
    breadth: Breadth | None = None
    """Up/down counts, average move, leaders and laggards of the coins listed (24 h)."""

    def summary(self) -> str:
        o, g = self.overview, self.overview.global_market
        dominance = ", ".join(
            f"{symbol.upper()} {share:.1f}%" for symbol, share in list(g.dominance_pct.items())[:3]
        )
        head = (
            f"{_head(o)}Total market cap {fmt.compact_usd(g.total_market_cap_usd)} "
            f"({fmt.pct(g.market_cap_change_24h_pct)} 24h), volume "
            f"{fmt.compact_usd(g.total_volume_usd)}, dominance {dominance}. "
            f"{_breadth(self.breadth)}Top by market cap: "
        )
        items = [
            f"{c.symbol} {fmt.usd(c.price_usd) if c.price_usd is not None else 'n/a'} "
            f"{fmt.pct(c.change_24h_pct)}"
            for c in o.top.coins
        ]
        stamp = (
            f"; source {o.source}, coins as of {fmt.when(o.top.as_of)}, "
            f"totals as of {fmt.when(g.as_of)}"
        )
        return _fit(head, items, stamp)


def _breadth(moves: Breadth | None) -> str:
    if moves is None:
        return ""
    return (
        f"{moves.up} of {moves.coins} up, {moves.down} down, average "
        f"{fmt.pct(moves.average_pct)} (24h). "
    )


async def get_market_overview(context: ToolContext, args: OverviewArgs) -> OverviewResult:
    overview = await context.market.market_overview(args.limit)
    moves = breadth([(c.symbol, c.change_24h_pct) for c in overview.top.coins])
    return OverviewResult(simulated=overview.simulated, overview=overview, breadth=moves)


class NoArgs(BaseModel):
    pass


class TrendingResult(ToolResult):
    trending: TrendingCoins

    def summary(self) -> str:
        t = self.trending
        items = [
            f"{c.name} ({c.symbol}"
            + (f", #{c.rank}" if c.rank is not None else "")
            + f") {fmt.usd(c.price_usd) if c.price_usd is not None else 'n/a'} "
            f"{fmt.pct(c.change_24h_pct)}"
            for c in t.coins
        ]
        categories = f"; categories: {', '.join(t.categories[:3])}" if t.categories else ""
        return _fit(f"{_head(t)}Trending: ", items, f"{categories}; {_stamp(t)}")


async def get_trending(context: ToolContext, args: NoArgs) -> TrendingResult:
    trending = await context.market.trending()
    return TrendingResult(simulated=trending.simulated, trending=trending)


class SearchArgs(BaseModel):
    query: str = Field(min_length=1, max_length=100, description="Coin name, symbol or id.")


class SearchResult(ToolResult):
    search: CoinSearch

    def summary(self) -> str:
        found = self.search
        items = [
            f"{c.name} ({c.symbol}, id {c.coin_id}"
            + (f", #{c.rank}" if c.rank is not None else "")
            + ")"
            for c in found.coins
        ]
        head = f"{_head(found)}{len(items)} coins match {found.query!r}: "
        if not items:
            head = f"{_head(found)}no coin matches {found.query!r}"
        return _fit(head, items, f"; {_stamp(found)}")


async def search_coins(context: ToolContext, args: SearchArgs) -> SearchResult:
    found = await context.market.search_coins(args.query)
    return SearchResult(simulated=found.simulated, search=found)


OVERVIEW_TOOL = Tool(
    "get_market_overview",
    "The largest coins by market cap with price and 24h change, plus the total market cap, "
    "volume and dominance (live data).",
    OverviewArgs,
    OverviewResult,
    get_market_overview,
)
TRENDING_TOOL = Tool(
    "get_trending",
    "The coins trending on CoinGecko in the last 24 hours (live data).",
    NoArgs,
    TrendingResult,
    get_trending,
)
SEARCH_TOOL = Tool(
    "search_coins",
    "Find coins by name or symbol: ids, symbols and market cap ranks (live data).",
    SearchArgs,
    SearchResult,
    search_coins,
)
