"""Exchange values: tickers, order books, funding, open interest, balances and open orders.

Every value carries its `source` (the ccxt exchange id) and `as_of` (timezone-aware UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

DEPTH_BANDS_PCT: tuple[float, ...] = (1.0, 2.0)


def _require_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() != timedelta(0):
        raise ValueError("datetimes must be timezone-aware UTC")
    return value


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Sourced(_Value):
    source: str
    """The ccxt exchange id, e.g. "bitget"."""
    as_of: AwareDatetime

    _utc = field_validator("as_of")(_require_utc)


class ExchangeTicker(_Sourced):
    symbol: str
    """Unified symbol, e.g. "BTC/USDT"."""
    base: str
    quote: str
    last: float
    bid: float | None
    ask: float | None
    open: float | None
    high: float | None
    low: float | None
    change_pct: float | None
    """24 h change in percent (0.32 means 0.32 %)."""
    base_volume: float | None
    quote_volume: float | None


class BookLevel(_Value):
    price: float
    amount: float
    """In the base asset."""


class DepthBand(_Value):
    """Liquidity resting within ±`pct` % of the mid price."""

    pct: float
    bid_base: float
    bid_quote: float
    ask_base: float
    ask_quote: float
    complete: bool
    """False when the fetched levels end inside the band: the sums are then lower bounds."""


class OrderBook(_Sourced):
    symbol: str
    base: str
    quote: str
    bids: tuple[BookLevel, ...]
    """Best (highest) first."""
    asks: tuple[BookLevel, ...]
    """Best (lowest) first."""
    best_bid: float
    best_ask: float
    mid: float
    spread: float
    spread_bps: float
    depth: tuple[DepthBand, ...]


class FundingRate(_Sourced):
    symbol: str
    """The perpetual's unified symbol, e.g. "BTC/USDT:USDT"."""
    rate: float
    """Per funding interval, as a fraction (0.0001 is 0.01 %)."""
    interval: str | None
    """e.g. "8h"."""
    next_funding_time: AwareDatetime | None
    mark_price: float | None
    index_price: float | None

    _utc_next = field_validator("next_funding_time")(_require_utc)


class OpenInterest(_Sourced):
    symbol: str
    amount: float | None
    """Open contracts, in contracts (the base asset for linear perpetuals of size 1)."""
    value: float | None
    """The same in the quote currency, when the exchange says."""


class Balance(_Value):
    currency: str
    free: float | None
    used: float | None
    total: float | None


class Balances(_Sourced):
    balances: tuple[Balance, ...]
    """Currencies with a non-zero amount, by currency code."""


class OpenOrder(_Value):
    id: str
    symbol: str
    side: Literal["buy", "sell"] | None
    type: str | None
    price: float | None
    amount: float | None
    filled: float | None
    remaining: float | None
    status: str | None
    created: AwareDatetime | None

    _utc = field_validator("created")(_require_utc)


class OpenOrders(_Sourced):
    symbol: str | None
    """The market asked about; None for every market."""
    orders: tuple[OpenOrder, ...]


def depth_band(
    bids: Sequence[BookLevel], asks: Sequence[BookLevel], mid: float, pct: float
) -> DepthBand:
    """Sums the levels within ±`pct` % of `mid`; `bids` best first, `asks` best first."""
    low, high = mid * (1 - pct / 100), mid * (1 + pct / 100)
    near_bids = [level for level in bids if level.price >= low]
    near_asks = [level for level in asks if level.price <= high]
    return DepthBand(
        pct=pct,
        bid_base=sum(level.amount for level in near_bids),
        bid_quote=sum(level.price * level.amount for level in near_bids),
        ask_base=sum(level.amount for level in near_asks),
        ask_quote=sum(level.price * level.amount for level in near_asks),
        complete=len(near_bids) < len(bids) and len(near_asks) < len(asks),
    )


def summarize_book(
    *,
    symbol: str,
    base: str,
    quote: str,
    bids: Sequence[BookLevel],
    asks: Sequence[BookLevel],
    source: str,
    as_of: datetime,
    bands_pct: Sequence[float] = DEPTH_BANDS_PCT,
) -> OrderBook:
    """The book with its best prices, spread and depth bands; both sides must be non-empty."""
    bids = sorted(bids, key=lambda level: -level.price)
    asks = sorted(asks, key=lambda level: level.price)
    best_bid, best_ask = bids[0].price, asks[0].price
    mid = (best_bid + best_ask) / 2
    spread = best_ask - best_bid
    return OrderBook(
        symbol=symbol,
        base=base,
        quote=quote,
        bids=tuple(bids),
        asks=tuple(asks),
        best_bid=best_bid,
        best_ask=best_ask,
        mid=mid,
        spread=spread,
        spread_bps=spread / mid * 10_000,
        depth=tuple(depth_band(bids, asks, mid, pct) for pct in bands_pct),
        source=source,
        as_of=as_of,
    )
