"""Market values: candles, price quotes, market overviews and timeframes.

Every value carries its `source` and `as_of`; `simulated` is true for demo data, `fallback` when
the demo market stands in for an unreachable live source, and `stale` (with `age_s`) when a cached
value is served because the upstream failed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from cryptodesk.errors import UnsupportedTimeframeError

Timeframe = Literal["5m", "15m", "1h", "4h", "1d", "1w"]
TIMEFRAMES: tuple[Timeframe, ...] = get_args(Timeframe)

_SECONDS: dict[Timeframe, int] = {
    "5m": 300,
    "15m": 900,
    "1h": 3600,
    "4h": 14_400,
    "1d": 86_400,
    "1w": 604_800,
}
# Weekly candles open on Monday 00:00 UTC (as exchanges do); the epoch was a Thursday.
WEEK_OFFSET_S = 4 * 86_400


def timeframe_seconds(timeframe: Timeframe) -> int:
    return _SECONDS[timeframe]


def timeframe_delta(timeframe: Timeframe) -> timedelta:
    return timedelta(seconds=_SECONDS[timeframe])


def parse_timeframe(value: str) -> Timeframe:
    """Validates a timeframe string; raises `UnsupportedTimeframeError` for anything else."""
    for timeframe in TIMEFRAMES:
        if value == timeframe:
            return timeframe
    raise UnsupportedTimeframeError(value, TIMEFRAMES)


def bucket_start(epoch_s: int, timeframe: Timeframe) -> int:
    """Open time (epoch seconds) of the UTC-aligned candle of `timeframe` containing `epoch_s`."""
    step = _SECONDS[timeframe]
    offset = WEEK_OFFSET_S if timeframe == "1w" else 0
    return (epoch_s - offset) // step * step + offset


def utc_from_epoch(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _require_utc(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or offset != timedelta(0):
        raise ValueError("datetimes must be timezone-aware UTC")
    return value


class Candle(_Frozen):
    time: AwareDatetime
    """Open time of the candle."""
    open: float
    high: float
    low: float
    close: float
    volume: float
    """Traded volume in the base asset."""

    _utc = field_validator("time")(_require_utc)


class _Stamped(_Frozen):
    """Where a market value came from and how much to trust it: every value carries these."""

    source: str
    as_of: AwareDatetime
    simulated: bool
    stale: bool = False
    age_s: float | None = None
    """Seconds since the value was fetched, when it came from a cache."""
    fallback: bool = False

    _utc = field_validator("as_of")(_require_utc)


class Candles(_Stamped):
    coin_id: str
    symbol: str
    timeframe: Timeframe
    candles: tuple[Candle, ...]
    """`as_of` is the close time of the last candle."""


class PricePoint(_Frozen):
    time: AwareDatetime
    price: float

    _utc = field_validator("time")(_require_utc)


class PriceHistory(_Stamped):
    """USD prices of a coin over a past window, oldest first (`as_of`: the last point's time)."""

    coin_id: str
    symbol: str
    start: AwareDatetime
    """The window asked for."""
    end: AwareDatetime
    points: tuple[PricePoint, ...]


class PriceQuote(_Stamped):
    coin_id: str
    symbol: str
    name: str
    price_usd: float
    change_24h_pct: float | None
    high_24h: float
    low_24h: float
    volume_24h: float | None
    """24 h traded volume in USD (quote currency); None when the source does not say."""
    market_cap_usd: float | None = None


class SpotPrice(_Frozen):
    """One coin of a batched price read (CoinGecko's `/simple/price`)."""

    coin_id: str
    price_usd: float
    change_24h_pct: float | None
    volume_24h: float | None
    market_cap_usd: float | None
    as_of: AwareDatetime

    _utc = field_validator("as_of")(_require_utc)


class SpotPrices(_Stamped):
    """Prices of several coins read at once (one upstream request); `as_of` is the oldest."""

    prices: dict[str, SpotPrice]
    """By coin id; a coin the source does not know is absent (and listed in `missing`)."""
    missing: tuple[str, ...] = ()


class Sparkline(_Frozen):
    coin_id: str
    points: tuple[float, ...]
    """Hourly prices, oldest first."""
    as_of: AwareDatetime
    """The time of the last point."""

    _utc = field_validator("as_of")(_require_utc)


class Sparklines(_Stamped):
    lines: dict[str, Sparkline]


class ConvertedPrice(_Stamped):
    """A coin's price in another quote currency (CoinGecko's `vs_currencies`: eur, gbp, btc...)."""

    coin_id: str
    currency: str
    """Lower case, as CoinGecko names it."""
    price: float
    change_24h_pct: float | None


class _Labelled(_Stamped):
    simulated: bool = False


class CoinMarket(_Frozen):
    coin_id: str
    symbol: str
    name: str
    rank: int | None
    price_usd: float | None
    change_24h_pct: float | None
    market_cap_usd: float | None
    volume_24h: float | None


class TopCoins(_Labelled):
    """Coins by market capitalisation, largest first."""

    coins: tuple[CoinMarket, ...]


class GlobalMarket(_Labelled):
    total_market_cap_usd: float | None
    total_volume_usd: float | None
    market_cap_change_24h_pct: float | None
    dominance_pct: dict[str, float]
    """Share of the total market cap by lower-case symbol ("btc": 54.0), largest first."""
    active_coins: int | None


class MarketOverview(_Labelled):
    top: TopCoins
    global_market: GlobalMarket


class TrendingCoin(_Frozen):
    coin_id: str
    symbol: str
    name: str
    rank: int | None
    price_usd: float | None
    change_24h_pct: float | None
    market_cap_usd: float | None


class TrendingCoins(_Labelled):
    coins: tuple[TrendingCoin, ...]
    categories: tuple[str, ...]


class CoinMatch(_Frozen):
    coin_id: str
    symbol: str
    name: str
    rank: int | None


class CoinSearch(_Labelled):
    query: str
    coins: tuple[CoinMatch, ...]
