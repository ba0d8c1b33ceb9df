"""The live market: CoinGecko prices, candles, overview, trending coins and search.

Implements `MarketDataProvider` for prices and candles and adds the directory calls the service
exposes. A quote comes from `/coins/markets` rather than `/simple/price`, because only the former
has the 24 h high and low a quote carries (and it has market cap and volume too). Candles come from
`/ohlc` or `/market_chart`; `coingecko_candles` says which are real OHLC and which approximated.
The provider keeps no cache except the coin list that resolves non-catalog coins; the service
caches everything else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from cryptodesk.errors import (
    BadRangeError,
    CoinNotFoundError,
    CryptoDeskError,
    DataUnavailableError,
)
from cryptodesk.market.cache import TtlCache
from cryptodesk.market.catalog import COINS, CoinInfo, resolve_coin
from cryptodesk.market.coingecko import PLANS, CoinGeckoClient
from cryptodesk.market.coingecko_candles import build_candles, plan_candles
from cryptodesk.market.coingecko_payloads import GlobalData, MarketRow, TrendingItem
from cryptodesk.market.coinindex import CoinIndex
from cryptodesk.market.schemas import (
    Candles,
    CoinMarket,
    CoinMatch,
    CoinSearch,
    ConvertedPrice,
    GlobalMarket,
    PriceHistory,
    PricePoint,
    PriceQuote,
    Sparkline,
    Sparklines,
    SpotPrice,
    SpotPrices,
    Timeframe,
    TopCoins,
    TrendingCoin,
    TrendingCoins,
    parse_timeframe,
    timeframe_delta,
    utc_from_epoch,
)

SOURCE = "coingecko"
COIN_LIST_TTL_S = 6 * 3600.0
COIN_LIST_STALE_TTL_S = 7 * 86_400.0
MAX_TOP_COINS = 250
IDS_PER_REQUEST = 100
"""Coin ids per `/simple/price` request (the URL stays short; 50 coins are one request)."""
_DOMINANCE_SHOWN = 10


class LiveProvider:
    def __init__(
        self,
        client: CoinGeckoClient,
        *,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._now = now or (lambda: datetime.now(UTC))
        self._coin_lists: TtlCache[CoinIndex] = TtlCache(
            "coin list", COIN_LIST_TTL_S, COIN_LIST_STALE_TTL_S, max_entries=1, clock=monotonic
        )
        self._index: CoinIndex | None = None

    @property
    def name(self) -> str:
        return SOURCE

    @property
    def simulated(self) -> bool:
        return False

    def available_coins(self) -> tuple[str, ...]:
        """The catalog's majors (any other CoinGecko coin resolves on demand)."""
        return tuple(coin.id for coin in COINS)

    async def aclose(self) -> None:
        await self._coin_lists.aclose()
        await self.client.aclose()

    async def get_price(self, coin_id: str) -> PriceQuote:
        rows = await self.client.coins_markets(ids=(coin_id,), per_page=1)
        row = next((r for r in rows if r.id == coin_id), None)
        if row is None or row.current_price is None:
            raise CoinNotFoundError(coin_id)
        price = row.current_price
        return PriceQuote(
            coin_id=row.id,
            symbol=row.symbol.upper(),
            name=row.name,
            price_usd=price,
            change_24h_pct=row.price_change_percentage_24h,
            high_24h=row.high_24h if row.high_24h is not None else price,
            low_24h=row.low_24h if row.low_24h is not None else price,
            volume_24h=row.total_volume,
            source=SOURCE,
            as_of=row.last_updated or self._now(),
            simulated=False,
            market_cap_usd=row.market_cap,
        )

    async def get_prices(self, coin_ids: Sequence[str]) -> SpotPrices:
        """Several coins' prices in one `/simple/price` request (one per 100 coins)."""
        ids = list(dict.fromkeys(coin_ids))
        found: dict[str, SpotPrice] = {}
        for start in range(0, len(ids), IDS_PER_REQUEST):
            chunk = ids[start : start + IDS_PER_REQUEST]
            for coin_id, row in (await self.client.simple_price(chunk)).items():
                updated = row.last_updated_at
                found[coin_id] = SpotPrice(
                    coin_id=coin_id,
                    price_usd=row.price,
                    change_24h_pct=row.change_24h_pct,
                    volume_24h=row.volume_24h,
                    market_cap_usd=row.market_cap,
                    as_of=utc_from_epoch(updated) if updated is not None else self._now(),
                )
        stamps = [p.as_of for p in found.values()]
        return SpotPrices(
            prices=found,
            missing=tuple(i for i in ids if i not in found),
            source=SOURCE,
            as_of=min(stamps) if stamps else self._now(),
            simulated=False,
        )

    async def sparklines(self, coin_ids: Sequence[str]) -> Sparklines:
        """Seven days of hourly prices per coin, from one `/coins/markets` request."""
        ids = list(dict.fromkeys(coin_ids))[:MAX_TOP_COINS]
        rows = await self.client.coins_markets(ids=ids, per_page=len(ids) or 1, sparkline=True)
        now = self._now()
        lines: dict[str, Sparkline] = {}
        for row in rows:
            points = [p for p in (row.sparkline_in_7d.price if row.sparkline_in_7d else []) if p]
            if points:
                lines[row.id] = Sparkline(coin_id=row.id, points=tuple(points), as_of=now)
        return Sparklines(lines=lines, source=SOURCE, as_of=now, simulated=False)

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles:
        plan = plan_candles(parse_timeframe(timeframe), limit)
        coin = await self.coin(coin_id)
        if plan.ohlc_days is None:
            chart = await self.client.market_chart(coin_id, plan.chart_days)
            ohlc = None
        else:
            try:
                async with asyncio.TaskGroup() as group:
                    chart_task = group.create_task(
                        self.client.market_chart(coin_id, plan.chart_days)
                    )
                    ohlc_task = group.create_task(self.client.ohlc(coin_id, plan.ohlc_days))
            except* CryptoDeskError as failed:
                # The group wraps the failure; callers (the cache's stale-on-error, the auto
                # fallback, the tools) expect the typed error a single request raises.
                raise failed.exceptions[0]  # noqa: B904 - the group is the context
            chart, ohlc = chart_task.result(), ohlc_task.result()
        candles = build_candles(plan, chart, ohlc, int(self._now().timestamp()))
        if not candles:
            raise DataUnavailableError(f"CoinGecko returned no complete {timeframe} candle")
        return Candles(
            coin_id=coin.id,
            symbol=coin.symbol,
            timeframe=timeframe,
            candles=candles,
            source=plan.source,
            as_of=candles[-1].time + timeframe_delta(timeframe),
            simulated=False,
        )

    async def get_price_in(self, coin_id: str, currency: str) -> ConvertedPrice:
        vs = currency.lower()
        prices = await self.client.simple_price((coin_id,), vs)
        found = prices.get(coin_id)
        if found is None:
            raise DataUnavailableError(
                f"CoinGecko has no {coin_id} price in {vs.upper()} (is it one of its "
                "supported vs_currencies?)"
            )
        updated = found.last_updated_at
        return ConvertedPrice(
            coin_id=coin_id,
            currency=vs,
            price=found.price,
            change_24h_pct=found.change_24h_pct,
            source=SOURCE,
            as_of=utc_from_epoch(updated) if updated is not None else self._now(),
            simulated=False,
        )

    async def price_history(self, coin_id: str, start: datetime, end: datetime) -> PriceHistory:
        reach = PLANS[self.client.plan].history_days
        now = self._now()
        if reach is not None and start < now - timedelta(days=reach):
            earliest = (now - timedelta(days=reach)).strftime("%Y-%m-%d")
            raise BadRangeError(
                f"CoinGecko's {self.client.plan} plan serves only the last {reach} days of "
                f"history (from {earliest}); a pro plan reaches further back"
            )
        coin = await self.coin(coin_id)
        chart = await self.client.market_chart_range(
            coin_id, int(start.timestamp()), int(min(end, now).timestamp())
        )
        points = tuple(
            PricePoint(time=utc_from_epoch(ms / 1000), price=price) for ms, price in chart.prices
        )
        if not points:
            raise DataUnavailableError(
                f"CoinGecko has no {coin.symbol} prices between {start:%Y-%m-%d} and {end:%Y-%m-%d}"
            )
        return PriceHistory(
            coin_id=coin.id,
            symbol=coin.symbol,
            start=start,
            end=end,
            points=points,
            source=SOURCE,
            as_of=points[-1].time,
            simulated=False,
        )

    async def top_coins(self, limit: int) -> TopCoins:
        if not 1 <= limit <= MAX_TOP_COINS:
            raise DataUnavailableError(f"top coins: limit must be 1-{MAX_TOP_COINS}, got {limit}")
        rows = await self.client.coins_markets(per_page=limit)
        stamps = [row.last_updated for row in rows if row.last_updated is not None]
        return TopCoins(
            coins=tuple(_coin_market(row) for row in rows),
            source=SOURCE,
            as_of=max(stamps) if stamps else self._now(),
        )

    async def global_market(self) -> GlobalMarket:
        data = await self.client.global_market()
        return _global(data, self._now())

    async def trending(self) -> TrendingCoins:
        payload = await self.client.trending()
        return TrendingCoins(
            coins=tuple(_trending(entry.item) for entry in payload.coins),
            categories=tuple(category.name for category in payload.categories),
            source=SOURCE,
            as_of=self._now(),
        )

    async def search(self, query: str) -> CoinSearch:
        payload = await self.client.search(query)
        return CoinSearch(
            query=query,
            coins=tuple(
                CoinMatch(
                    coin_id=c.id, symbol=c.symbol.upper(), name=c.name, rank=c.market_cap_rank
                )
                for c in payload.coins
            ),
            source=SOURCE,
            as_of=self._now(),
        )

    async def lookup(self, query: str) -> CoinInfo:
        """A coin from user text: the catalog first, then CoinGecko's coin list (cached 6 h)."""
        try:
            return resolve_coin(query)
        except CoinNotFoundError:
            pass
        return (await self._coin_index()).resolve(query)

    def lookup_loaded(self, query: str) -> CoinInfo:
        """Like `lookup`, without a network call: the catalog and the coin list if loaded."""
        try:
            return resolve_coin(query)
        except CoinNotFoundError:
            if self._index is None:
                raise
        return self._index.resolve(query)

    async def coin(self, coin_id: str) -> CoinInfo:
        try:
            return resolve_coin(coin_id)
        except CoinNotFoundError:
            return (await self._coin_index()).coin(coin_id)

    async def _coin_index(self) -> CoinIndex:
        async def fetch() -> CoinIndex:
            return CoinIndex.build(await self.client.coins_list(), SOURCE)

        self._index = (await self._coin_lists.get("all", fetch)).value
        return self._index


def _coin_market(row: MarketRow) -> CoinMarket:
    return CoinMarket(
        coin_id=row.id,
        symbol=row.symbol.upper(),
        name=row.name,
        rank=row.market_cap_rank,
        price_usd=row.current_price,
        change_24h_pct=row.price_change_percentage_24h,
        market_cap_usd=row.market_cap,
        volume_24h=row.total_volume,
    )


def _global(data: GlobalData, now: datetime) -> GlobalMarket:
    dominance = sorted(data.market_cap_percentage.items(), key=lambda item: -item[1])
    return GlobalMarket(
        total_market_cap_usd=data.total_market_cap.get("usd"),
        total_volume_usd=data.total_volume.get("usd"),
        market_cap_change_24h_pct=data.market_cap_change_percentage_24h_usd,
        dominance_pct=dict(dominance[:_DOMINANCE_SHOWN]),
        active_coins=data.active_cryptocurrencies,
        source=SOURCE,
        as_of=utc_from_epoch(data.updated_at) if data.updated_at is not None else now,
    )


def _trending(item: TrendingItem) -> TrendingCoin:
    data = item.data
    return TrendingCoin(
        coin_id=item.id,
        symbol=item.symbol.upper(),
        name=item.name,
        rank=item.market_cap_rank,
        price_usd=data.price if data else None,
        change_24h_pct=data.price_change_percentage_24h.get("usd") if data else None,
        market_cap_usd=_money(data.market_cap) if data else None,
    )


def _money(text: str | None) -> float | None:
    """ "$99,703,583" -> 99703583.0; None for anything else."""
    if not text:
        return None
    try:
        return float(text.replace("$", "").replace(",", "").strip())
    except ValueError:
        return None
