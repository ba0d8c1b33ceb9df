"""The market data service: coin resolution, caching, the live/auto/replay/demo modes, readiness.

In front of the live provider it puts a TTL cache per kind of data (single-flight, stale-on-error;
`cache.py`); the CoinGecko client under it spends a per-provider rate budget (`ratelimit.py`) and
retries through the one retry policy (`retry.py`). Modes:

- `live`: CoinGecko; failures are typed errors, nothing is faked.
- `auto`: live, and only when CoinGecko is unreachable (connection refused, DNS failure, connect
  timeout) the demo market, every value labelled `fallback` and `simulated`, and `status()`
  saying so. A 4xx, 429 or 5xx is a typed error, never a fallback. The client's circuit
  remembers an unreachable host, so while it is down prices and candles come from the demo
  market at once (no connection attempt) until a background probe finds CoinGecko again.
- `replay`, `demo`: local sources, unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import httpx

from cryptodesk.config import MarketDataMode, Settings
from cryptodesk.errors import (
    CoinNotFoundError,
    ConfigError,
    CryptoDeskError,
    DataUnavailableError,
    UpstreamUnreachableError,
)
from cryptodesk.market.cache import Cached, CacheTtls, TtlCache
from cryptodesk.market.catalog import CoinInfo, resolve_coin
from cryptodesk.market.circuit import FIRST_PROBE_S
from cryptodesk.market.clock import ReplayClock
from cryptodesk.market.coingecko import PLANS, CoinGeckoClient, Plan
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.live import LiveProvider
from cryptodesk.market.provider import MarketDataProvider
from cryptodesk.market.ratelimit import TokenBucket
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.retry import RetryPolicy
from cryptodesk.market.schemas import (
    Candles,
    CoinSearch,
    ConvertedPrice,
    GlobalMarket,
    MarketOverview,
    PriceHistory,
    PriceQuote,
    Sparklines,
    SpotPrices,
    Timeframe,
    TopCoins,
    TrendingCoins,
)
from cryptodesk.market.spot import SpotReader

V = TypeVar("V", PriceQuote, Candles, TopCoins, GlobalMarket, TrendingCoins, CoinSearch)
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class MarketStatus:
    mode: MarketDataMode
    provider: str
    ready: bool
    simulated: bool
    detail: str


class _Caches:
    def __init__(self, ttls: CacheTtls, clock: Clock) -> None:
        def cache(kind: str, ttl_s: float) -> TtlCache[V]:
            stale_s = max(ttl_s, ttls.stale_s)
            return TtlCache(kind, ttl_s, stale_s, max_entries=ttls.max_entries, clock=clock)

        self.ttls = ttls
        self.prices: TtlCache[PriceQuote] = cache("price", ttls.price_s)
        self.candles: TtlCache[Candles] = cache("candles", max(ttls.candles_s.values()))
        self.top: TtlCache[TopCoins] = cache("top coins", ttls.markets_s)
        self.global_market: TtlCache[GlobalMarket] = cache("global market", ttls.global_s)
        self.trending: TtlCache[TrendingCoins] = cache("trending", ttls.trending_s)
        self.search: TtlCache[CoinSearch] = cache("search", ttls.search_s)

    async def aclose(self) -> None:
        await self.prices.aclose()
        await self.candles.aclose()
        await self.top.aclose()
        await self.global_market.aclose()
        await self.trending.aclose()
        await self.search.aclose()


class MarketDataService:
    """Resolves user coin names and serves market values from the provider chosen by the mode.

    `fallback` (auto mode) answers prices and candles while the live provider is unreachable.
    """

    def __init__(
        self,
        provider: MarketDataProvider,
        mode: MarketDataMode,
        detail: str,
        *,
        fallback: MarketDataProvider | None = None,
        ttls: CacheTtls | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self._provider = provider
        self._live = provider if isinstance(provider, LiveProvider) else None
        self._mode = mode
        self._detail = detail
        self._fallback = fallback
        self._caches = _Caches(ttls or CacheTtls(), clock) if self._live is not None else None
        self._spot = SpotReader(provider, self._live, fallback, ttls or CacheTtls(), clock)

    @property
    def provider(self) -> MarketDataProvider:
        return self._provider

    @property
    def detail(self) -> str:
        """The configured source in words (mode, plan, URL, folder), without its last outcome."""
        return self._detail

    @property
    def simulated(self) -> bool:
        fallback = self._fallback is not None and self._offline_error() is not None
        return self._provider.simulated or fallback

    def budget_per_minute(self) -> float | None:
        """The upstream's request budget per minute (None for local replay or demo data)."""
        return self._live.client.limiter.per_minute if self._live is not None else None

    def candle_ttl_s(self, timeframe: Timeframe) -> float:
        """How long candles of `timeframe` stay cached (0: local data, read afresh)."""
        if self._caches is None:
            return 0.0
        return self._caches.ttls.candles_s.get(timeframe, self._caches.candles.ttl_s)

    def resolve(self, coin: str) -> CoinInfo:
        """A coin from an id, symbol, name or alias, without a network call: the catalog (and,
        live, the CoinGecko coin list once loaded); raises `CoinNotFoundError`."""
        if self._live is not None:
            return self._live.lookup_loaded(coin)
        return resolve_coin(coin)

    async def lookup_coin(self, coin: str) -> CoinInfo:
        """Like `resolve`, loading CoinGecko's coin list when live and the catalog has no match."""
        try:
            return resolve_coin(coin)
        except CoinNotFoundError:
            if self._live is None:
                raise
        return await self._live.lookup(coin)

    async def get_price(self, coin: str) -> PriceQuote:
        info = await self.lookup_coin(coin)
        if self._live is None or self._caches is None:
            return await self._provider.get_price(info.id)
        live, caches = self._live, self._caches
        return await self._serve(
            caches.prices,
            info.id,
            lambda: live.get_price(info.id),
            lambda fallback: fallback.get_price(info.id),
        )

    async def get_prices(
        self, coin_ids: Sequence[str], max_age_s: float | None = None
    ) -> SpotPrices:
        """Several coins' prices (by coin id) in one upstream request: the watcher's read.
        `max_age_s` bounds how old a cached answer may be (default: the price TTL)."""
        return await self._spot.prices(coin_ids, max_age_s)

    async def get_sparklines(self, coin_ids: Sequence[str]) -> Sparklines:
        """The last day of hourly prices of each coin (the watchlist's sparklines)."""
        return await self._spot.sparklines(coin_ids)

    async def get_ohlc(self, coin: str, timeframe: Timeframe, limit: int) -> Candles:
        info = await self.lookup_coin(coin)
        if self._live is None or self._caches is None:
            return await self._provider.get_ohlc(info.id, timeframe, limit)
        live, caches = self._live, self._caches
        return await self._serve(
            caches.candles,
            (info.id, timeframe, limit),
            lambda: live.get_ohlc(info.id, timeframe, limit),
            lambda fallback: fallback.get_ohlc(info.id, timeframe, limit),
            ttl_s=caches.ttls.candles_s.get(timeframe),
        )

    async def get_price_in(self, coin: str, currency: str) -> ConvertedPrice:
        """The price in `currency` (live CoinGecko only: replay and demo data are USD(T))."""
        info = await self.lookup_coin(coin)
        if self._live is None:
            raise DataUnavailableError(
                f"the {self._provider.name} market quotes prices in USD(T) only; other "
                "currencies need live CoinGecko data (CRYPTODESK_MARKET_DATA=auto or live)"
            )
        live = self._live
        return await live.get_price_in(info.id, currency)

    async def price_history(self, coin: str, start: datetime, end: datetime) -> PriceHistory:
        """Prices over a past window. Never simulated: in auto mode an unreachable CoinGecko is
        an error here, since the demo market has no history to stand in with."""
        info = await self.lookup_coin(coin)
        if self._live is None:
            return await self._provider.price_history(info.id, start, end)
        live = self._live
        return await live.price_history(info.id, start, end)

    async def market_overview(self, limit: int = 10) -> MarketOverview:
        """The top `limit` coins by market cap and the global market."""
        live, caches = self._directory("a market overview")
        top = await self._serve(caches.top, limit, lambda: live.top_coins(limit))
        global_market = await self.global_market()
        return MarketOverview(
            top=top,
            global_market=global_market,
            source=live.name,
            as_of=min(top.as_of, global_market.as_of),
            stale=top.stale or global_market.stale,
            age_s=max(top.age_s or 0.0, global_market.age_s or 0.0),
        )

    async def global_market(self) -> GlobalMarket:
        live, caches = self._directory("global market data")
        return await self._serve(caches.global_market, "global", live.global_market)

    async def trending(self) -> TrendingCoins:
        live, caches = self._directory("trending coins")
        return await self._serve(caches.trending, "trending", live.trending)

    async def search_coins(self, query: str) -> CoinSearch:
        live, caches = self._directory("coin search")
        key = query.strip().lower()
        return await self._serve(caches.search, key, lambda: live.search(query.strip()))

    def available_coins(self) -> tuple[str, ...]:
        return self._provider.available_coins()

    def status(self) -> MarketStatus:
        """Configured mode and the last upstream outcome; never makes a network call."""
        if self._live is not None:
            return self._live_status(self._live)
        ready, detail = True, self._detail
        try:
            coins = self._provider.available_coins()
        except CryptoDeskError as e:
            ready, detail = False, f"{detail}; {e.message}"
        else:
            ready = bool(coins)
            detail = f"{detail}; {len(coins)} coins"
        return MarketStatus(
            mode=self._mode,
            provider=self._provider.name,
            ready=ready,
            simulated=self._provider.simulated,
            detail=detail,
        )

    async def aclose(self) -> None:
        await self._spot.aclose()
        if self._caches is not None:
            await self._caches.aclose()
        await self._provider.aclose()
        if self._fallback is not None:
            await self._fallback.aclose()

    def _live_status(self, live: LiveProvider) -> MarketStatus:
        client = live.client
        parts = [self._detail]
        outcome = client.last_outcome
        if outcome is None:
            parts.append("no request made yet")
        else:
            verdict = "ok" if outcome.ok else f"failed: {outcome.detail}"
            parts.append(f"last request at {outcome.at:%Y-%m-%d %H:%M:%S} UTC {verdict}")
        offline = self._offline_error()
        since = client.circuit.since
        if offline is not None and since is not None:
            parts.append(
                f"CoinGecko unreachable since {since:%H:%M:%S} UTC ({offline.reason}); "
                "re-probed in the background"
            )
        if offline is not None and self._fallback is not None:
            parts.append(
                "FALLBACK: CoinGecko is unreachable, so prices and candles come from the "
                "built-in demo market (simulated, labelled)"
            )
        falling_back = offline is not None and self._fallback is not None
        ready = falling_back if offline is not None else outcome is None or outcome.ok
        return MarketStatus(
            mode=self._mode,
            provider=live.name,
            ready=ready,
            simulated=falling_back,
            detail="; ".join(parts),
        )

    def directory_unavailable(self, what: str) -> str | None:
        """Why `what` (overview, trending, search) cannot be served in this mode, or None when
        the mode can try (live, auto); the same message the tools' error carries."""
        if self._live is not None and self._caches is not None:
            return None
        return (
            f"{what} needs live market data (CRYPTODESK_MARKET_DATA=auto or live); "
            f"the {self._provider.name} market has none"
        )

    def _directory(self, what: str) -> tuple[LiveProvider, _Caches]:
        reason = self.directory_unavailable(what)
        if reason is not None or self._live is None or self._caches is None:
            raise DataUnavailableError(reason or what)
        return self._live, self._caches

    async def _serve(
        self,
        cache: TtlCache[V],
        key: Hashable,
        fetch: Callable[[], Awaitable[V]],
        fallback: Callable[[MarketDataProvider], Awaitable[V]] | None = None,
        *,
        ttl_s: float | None = None,
    ) -> V:
        if fallback is not None and self._fallback is not None:
            standin = self._fallback
            if self._offline_error() is not None:
                # Real data we still hold (even stale) beats simulated data.
                recalled = cache.recall(key)
                if recalled is not None:
                    return _labelled(recalled)
                return _as_fallback(await fallback(standin))
            try:
                return _labelled(await cache.get(key, fetch, ttl_s=ttl_s))
            except UpstreamUnreachableError:
                return _as_fallback(await fallback(standin))
        return _labelled(await cache.get(key, fetch, ttl_s=ttl_s))

    def _offline_error(self) -> UpstreamUnreachableError | None:
        """Why CoinGecko is known to be unreachable right now (its circuit is open)."""
        return self._live.client.circuit.error if self._live is not None else None


def _labelled(cached: Cached[V]) -> V:
    return cached.value.model_copy(update={"stale": cached.stale, "age_s": round(cached.age_s, 1)})


def _as_fallback(value: V) -> V:
    return value.model_copy(update={"fallback": True})


def build_market_service(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    ttls: CacheTtls | None = None,
    clock: Clock = time.monotonic,
    probe_after_s: float = FIRST_PROBE_S,
) -> MarketDataService:
    """The service for `settings.market_data`; raises `ConfigError` for an impossible setup.

    `http_client` replaces the CoinGecko HTTP client (tests inject a transport or point
    `coingecko_base_url` at a loopback fake); an injected client is not closed by the service.
    `ttls` and `clock` drive the caches (tests use short TTLs and a fake clock);
    `probe_after_s` is the first wait of the circuit's re-probe (tests use a short one).
    """
    mode = settings.market_data
    if mode == "replay":
        if settings.replay_dir is None:
            raise ConfigError(
                "CRYPTODESK_MARKET_DATA=replay needs CRYPTODESK_REPLAY_DIR: a folder of "
                "SYMBOL_QUOTE_TF.csv files (timestamp,datetime,open,high,low,close,volume)"
            )
        replay_clock = ReplayClock(settings.replay_now)
        detail = f"replaying CSV files in {settings.replay_dir}"
        if replay_clock.now is not None:
            detail += f" {replay_clock.describe()} (CRYPTODESK_REPLAY_NOW)"
        provider = ReplayProvider(settings.replay_dir, replay_clock)
        return MarketDataService(provider, mode, detail)
    if mode == "demo":
        return MarketDataService(
            DemoProvider(settings.demo_seed), mode, "built-in demo market: simulated prices"
        )
    client = build_coingecko_client(settings, http_client, probe_after_s=probe_after_s)
    live = LiveProvider(client, monotonic=clock)
    budget = f"{client.limiter.per_minute:g} requests/min"
    detail = f"CoinGecko {client.plan} plan at {client.base_url} ({budget})"
    if mode == "live":
        return MarketDataService(live, mode, f"live: {detail}", ttls=ttls, clock=clock)
    return MarketDataService(
        live,
        mode,
        f"auto: {detail}; the demo market (simulated) only if the network is unreachable",
        fallback=DemoProvider(settings.demo_seed),
        ttls=ttls,
        clock=clock,
    )


def build_coingecko_client(
    settings: Settings,
    http_client: httpx.AsyncClient | None = None,
    *,
    probe_after_s: float = FIRST_PROBE_S,
) -> CoinGeckoClient:
    key = settings.coingecko_api_key
    plan: Plan = settings.coingecko_plan
    if plan == "keyless" and key is not None:
        plan = "demo"  # the free key most users have; a pro key is told to say so (10010)
    if plan != "keyless" and key is None:
        raise ConfigError(
            f"CRYPTODESK_COINGECKO_PLAN={plan} needs CRYPTODESK_COINGECKO_API_KEY "
            "(or use CRYPTODESK_COINGECKO_PLAN=keyless)"
        )
    rate = settings.coingecko_rate_per_minute or PLANS[plan].rate_per_minute
    return CoinGeckoClient(
        http_client,
        plan=plan,
        api_key=key,
        base_url=settings.coingecko_base_url,
        limiter=TokenBucket(rate),
        retry=RetryPolicy(
            max_attempts=settings.retry_max_attempts, max_wait_s=settings.retry_max_wait_s
        ),
        timeout_s=settings.http_timeout_s,
        probe_after_s=probe_after_s,
    )
