"""The interface every market data source implements (live CoinGecko, replay, demo)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from cryptodesk.market.schemas import Candles, PriceHistory, PriceQuote, Timeframe


class MarketDataProvider(Protocol):
    """A source of prices and candles for coin ids (CoinGecko ids; replay and demo know the
    catalog's).

    Raises `CoinNotFoundError` for a coin it does not know, `UnsupportedTimeframeError` for a
    timeframe it cannot serve and `DataUnavailableError` when it cannot serve anything at all.
    """

    @property
    def name(self) -> str: ...

    @property
    def simulated(self) -> bool: ...

    async def get_price(self, coin_id: str) -> PriceQuote: ...

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles: ...

    async def price_history(self, coin_id: str, start: datetime, end: datetime) -> PriceHistory:
        """Prices from `start` to `end`; `DataUnavailableError` (or `BadRangeError` for a plan
        limit) saying why when the source does not cover the window."""
        ...

    def available_coins(self) -> tuple[str, ...]: ...

    async def aclose(self) -> None: ...
