"""The market data service: the provider chosen by settings, coin resolution and readiness."""

from __future__ import annotations

from dataclasses import dataclass

from cryptodesk.config import MarketDataMode, Settings
from cryptodesk.errors import ConfigError, CryptoDeskError, DataUnavailableError
from cryptodesk.market.catalog import CoinInfo, resolve_coin
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.provider import MarketDataProvider
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.schemas import Candles, PriceQuote, Timeframe

LIVE_UNAVAILABLE = (
    "live market data is not available in this version (CoinGecko and exchange sources come "
    "later); set CRYPTODESK_MARKET_DATA=replay with CRYPTODESK_REPLAY_DIR, or =demo"
)


@dataclass(frozen=True, slots=True)
class MarketStatus:
    mode: MarketDataMode
    provider: str
    ready: bool
    simulated: bool
    detail: str


class LiveUnavailableProvider:
    """What `live` resolves to until live sources exist: every call fails, nothing is faked."""

    @property
    def name(self) -> str:
        return "live"

    @property
    def simulated(self) -> bool:
        return False

    async def get_price(self, coin_id: str) -> PriceQuote:
        raise DataUnavailableError(LIVE_UNAVAILABLE)

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles:
        raise DataUnavailableError(LIVE_UNAVAILABLE)

    def available_coins(self) -> tuple[str, ...]:
        return ()

    async def aclose(self) -> None:
        return None


class MarketDataService:
    """Resolves user coin names through the catalog and delegates to one provider."""

    def __init__(self, provider: MarketDataProvider, mode: MarketDataMode, detail: str) -> None:
        self._provider = provider
        self._mode = mode
        self._detail = detail

    @property
    def provider(self) -> MarketDataProvider:
        return self._provider

    @property
    def simulated(self) -> bool:
        return self._provider.simulated

    def resolve(self, coin: str) -> CoinInfo:
        """A catalog coin from an id, symbol, name or alias; raises `CoinNotFoundError`."""
        return resolve_coin(coin)

    async def get_price(self, coin: str) -> PriceQuote:
        return await self._provider.get_price(resolve_coin(coin).id)

    async def get_ohlc(self, coin: str, timeframe: Timeframe, limit: int) -> Candles:
        return await self._provider.get_ohlc(resolve_coin(coin).id, timeframe, limit)

    def available_coins(self) -> tuple[str, ...]:
        return self._provider.available_coins()

    def status(self) -> MarketStatus:
        ready, detail = True, self._detail
        if isinstance(self._provider, LiveUnavailableProvider):
            ready = False
        else:
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
        await self._provider.aclose()


def build_market_service(settings: Settings) -> MarketDataService:
    """The service for `settings.market_data`; raises `ConfigError` for an impossible setup."""
    mode = settings.market_data
    if mode == "replay":
        if settings.replay_dir is None:
            raise ConfigError(
                "CRYPTODESK_MARKET_DATA=replay needs CRYPTODESK_REPLAY_DIR: a folder of "
                "SYMBOL_QUOTE_TF.csv files (timestamp,datetime,open,high,low,close,volume)"
            )
        detail = f"replaying CSV files in {settings.replay_dir}"
        return MarketDataService(ReplayProvider(settings.replay_dir), mode, detail)
    if mode == "demo":
        return MarketDataService(
            DemoProvider(settings.demo_seed), mode, "built-in demo market: simulated prices"
        )
    if mode == "live":
        return MarketDataService(LiveUnavailableProvider(), mode, LIVE_UNAVAILABLE)
    if settings.replay_dir is not None:
        return MarketDataService(
            ReplayProvider(settings.replay_dir),
            mode,
            f"auto: live data is not available in this version, so replaying CSV files in "
            f"{settings.replay_dir}",
        )
    return MarketDataService(
        DemoProvider(settings.demo_seed),
        mode,
        "auto: live data is not available in this version and CRYPTODESK_REPLAY_DIR is not set, "
        "so using the built-in demo market (simulated prices)",
    )
