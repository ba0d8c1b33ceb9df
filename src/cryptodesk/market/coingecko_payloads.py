"""CoinGecko API v3 payloads as typed models (only the fields CryptoDesk reads).

Shapes follow the official OpenAPI examples and recorded responses in
`shared/data/market/fixtures/coingecko`; see `shared/reference/market-data.md` §1.4 for the traps
(formatted strings in trending, `data` wrapper in global, ohlc times being candle close times).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class SimplePrice(_Payload):
    """One coin of `/simple/price` in one vs-currency."""

    price: float
    market_cap: float | None = None
    volume_24h: float | None = None
    change_24h_pct: float | None = None
    last_updated_at: int | None = None
    """Unix seconds."""


class Sparkline7d(_Payload):
    """`sparkline=true` of `/coins/markets`: 168 hourly prices of the last 7 days."""

    price: list[float | None] = Field(default_factory=list)


class MarketRow(_Payload):
    """One row of `/coins/markets`."""

    id: str
    symbol: str
    name: str
    current_price: float | None = None
    market_cap: float | None = None
    market_cap_rank: int | None = None
    total_volume: float | None = None
    high_24h: float | None = None
    low_24h: float | None = None
    price_change_percentage_24h: float | None = None
    market_cap_change_percentage_24h: float | None = None
    circulating_supply: float | None = None
    last_updated: datetime | None = None
    sparkline_in_7d: Sparkline7d | None = None


class MarketChart(_Payload):
    """`/coins/{id}/market_chart`: `[ms, value]` samples; `total_volumes` are rolling 24 h."""

    prices: list[tuple[float, float]]
    market_caps: list[tuple[float, float | None]] = Field(default_factory=list)
    total_volumes: list[tuple[float, float | None]] = Field(default_factory=list)


OhlcRow = tuple[float, float, float, float, float]
"""`/coins/{id}/ohlc`: [close time ms, open, high, low, close]; no volume."""


class SearchCoin(_Payload):
    id: str
    name: str
    symbol: str
    market_cap_rank: int | None = None


class SearchResult(_Payload):
    coins: list[SearchCoin] = Field(default_factory=list)


class TrendingData(_Payload):
    price: float | None = None
    price_change_percentage_24h: dict[str, float | None] = Field(default_factory=dict)
    market_cap: str | None = None
    """Formatted, e.g. "$99,703,583"."""
    total_volume: str | None = None
    """Formatted, e.g. "$282,142"."""


class TrendingItem(_Payload):
    id: str
    name: str
    symbol: str
    market_cap_rank: int | None = None
    score: int | None = None
    data: TrendingData | None = None


class TrendingCoin(_Payload):
    item: TrendingItem


class TrendingCategory(_Payload):
    id: int | str
    name: str
    market_cap_1h_change: float | None = None


class Trending(_Payload):
    coins: list[TrendingCoin] = Field(default_factory=list)
    categories: list[TrendingCategory] = Field(default_factory=list)


class GlobalData(_Payload):
    active_cryptocurrencies: int | None = None
    markets: int | None = None
    total_market_cap: dict[str, float] = Field(default_factory=dict)
    total_volume: dict[str, float] = Field(default_factory=dict)
    market_cap_percentage: dict[str, float] = Field(default_factory=dict)
    market_cap_change_percentage_24h_usd: float | None = None
    updated_at: int | None = None
    """Unix seconds."""


class Global(_Payload):
    data: GlobalData


class CoinListEntry(_Payload):
    id: str
    symbol: str
    name: str


class ErrorStatus(_Payload):
    error_code: int | None = None
    error_message: str | None = None


class ErrorBody(_Payload):
    """Every error shape seen: `{error: str}`, `{status: {...}}`, `{error_code, status: {...}}`
    and `{error: {status: {...}}}`."""

    error: str | dict[str, ErrorStatus] | None = None
    status: ErrorStatus | None = None
    error_code: int | None = None

    @property
    def code(self) -> int | None:
        if self.error_code is not None:
            return self.error_code
        if self.status is not None and self.status.error_code is not None:
            return self.status.error_code
        if isinstance(self.error, dict) and "status" in self.error:
            return self.error["status"].error_code
        return None

    @property
    def message(self) -> str | None:
        if isinstance(self.error, str):
            return self.error
        if self.status is not None and self.status.error_message:
            return self.status.error_message
        if isinstance(self.error, dict) and "status" in self.error:
            return self.error["status"].error_message
        return None
