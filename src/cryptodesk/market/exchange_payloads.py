"""ccxt's unified structures as typed models, and their conversion into our exchange values.

ccxt returns plain dicts; they are validated here (a wrong shape raises `ValidationError`, which
the boundary reports as a malformed response) and never leave this package untyped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from cryptodesk.market.exchange_schemas import (
    Balance,
    Balances,
    BookLevel,
    ExchangeTicker,
    FundingRate,
    OpenInterest,
    OpenOrder,
    OpenOrders,
    OrderBook,
    summarize_book,
)
from cryptodesk.market.schemas import Candle


def utc_from_ms(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def _utc_or(epoch_ms: int | None, fallback: datetime) -> datetime:
    return fallback if epoch_ms is None else utc_from_ms(epoch_ms)


class _Unified(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class CcxtMarket(_Unified):
    symbol: str
    base: str
    quote: str
    settle: str | None = None
    type: str | None = None
    swap: bool = False
    active: bool | None = None


class CcxtTicker(_Unified):
    symbol: str
    timestamp: int | None = None
    last: float | None = None
    close: float | None = None
    bid: float | None = None
    ask: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    percentage: float | None = None
    base_volume: float | None = Field(None, alias="baseVolume")
    quote_volume: float | None = Field(None, alias="quoteVolume")


class CcxtOrderBook(_Unified):
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]
    timestamp: int | None = None


class CcxtFundingRate(_Unified):
    symbol: str
    funding_rate: float = Field(alias="fundingRate")
    funding_timestamp: int | None = Field(None, alias="fundingTimestamp")
    timestamp: int | None = None
    interval: str | None = None
    mark_price: float | None = Field(None, alias="markPrice")
    index_price: float | None = Field(None, alias="indexPrice")


class CcxtOpenInterest(_Unified):
    symbol: str
    amount: float | None = Field(None, alias="openInterestAmount")
    value: float | None = Field(None, alias="openInterestValue")
    timestamp: int | None = None


class CcxtBalanceEntry(_Unified):
    free: float | None = None
    used: float | None = None
    total: float | None = None


class CcxtOrder(_Unified):
    id: str
    symbol: str
    side: Literal["buy", "sell"] | None = None
    type: str | None = None
    price: float | None = None
    amount: float | None = None
    filled: float | None = None
    remaining: float | None = None
    status: str | None = None
    timestamp: int | None = None


_ROWS = TypeAdapter(list[tuple[int, float, float, float, float, float]])
_ORDERS = TypeAdapter(list[CcxtOrder])
_BALANCE_ENTRY = TypeAdapter(CcxtBalanceEntry)
# Keys of ccxt's balance structure that are not currency codes.
_BALANCE_META = frozenset({"info", "free", "used", "total", "timestamp", "datetime", "debt"})


def to_ticker(raw: object, market: CcxtMarket, source: str, now: datetime) -> ExchangeTicker:
    t = CcxtTicker.model_validate(raw)
    last = t.last if t.last is not None else t.close
    if last is None:
        raise ValueError(f"ticker of {market.symbol} has no last price")
    return ExchangeTicker(
        symbol=market.symbol,
        base=market.base,
        quote=market.quote,
        last=last,
        bid=t.bid,
        ask=t.ask,
        open=t.open,
        high=t.high,
        low=t.low,
        change_pct=t.percentage,
        base_volume=t.base_volume,
        quote_volume=t.quote_volume,
        source=source,
        as_of=_utc_or(t.timestamp, now),
    )


def to_order_book(raw: object, market: CcxtMarket, source: str, now: datetime) -> OrderBook:
    book = CcxtOrderBook.model_validate(raw)
    if not book.bids or not book.asks:
        raise ValueError(f"order book of {market.symbol} is empty on one side")
    return summarize_book(
        symbol=market.symbol,
        base=market.base,
        quote=market.quote,
        bids=[BookLevel(price=p, amount=a) for p, a in book.bids],
        asks=[BookLevel(price=p, amount=a) for p, a in book.asks],
        source=source,
        as_of=_utc_or(book.timestamp, now),
    )


def to_candles(raw: object) -> tuple[Candle, ...]:
    """Candles from ccxt's `[[ts_ms, open, high, low, close, volume], ...]`, oldest first."""
    rows = sorted(_ROWS.validate_python(raw), key=lambda row: row[0])
    return tuple(
        Candle(time=utc_from_ms(ts), open=o, high=h, low=low, close=c, volume=v)
        for ts, o, h, low, c, v in rows
    )


def to_funding_rate(raw: object, source: str, now: datetime) -> FundingRate:
    f = CcxtFundingRate.model_validate(raw)
    return FundingRate(
        symbol=f.symbol,
        rate=f.funding_rate,
        interval=f.interval,
        next_funding_time=None if f.funding_timestamp is None else utc_from_ms(f.funding_timestamp),
        mark_price=f.mark_price,
        index_price=f.index_price,
        source=source,
        as_of=_utc_or(f.timestamp, now),
    )


def to_open_interest(raw: object, source: str, now: datetime) -> OpenInterest:
    oi = CcxtOpenInterest.model_validate(raw)
    return OpenInterest(
        symbol=oi.symbol,
        amount=oi.amount,
        value=oi.value,
        source=source,
        as_of=_utc_or(oi.timestamp, now),
    )


def to_balances(raw: object, source: str, now: datetime) -> Balances:
    if not isinstance(raw, dict):
        raise TypeError(f"balance structure is a {type(raw).__name__}, not a dict")
    balances = []
    for currency, entry in raw.items():
        if currency in _BALANCE_META:
            continue
        b = _BALANCE_ENTRY.validate_python(entry)
        if any(amount for amount in (b.free, b.used, b.total)):
            balances.append(
                Balance(currency=str(currency), free=b.free, used=b.used, total=b.total)
            )
    balances.sort(key=lambda b: b.currency)
    stamp = raw.get("timestamp")
    return Balances(
        balances=tuple(balances),
        source=source,
        as_of=_utc_or(stamp if isinstance(stamp, int) else None, now),
    )


def to_open_orders(raw: object, symbol: str | None, source: str, now: datetime) -> OpenOrders:
    orders = [
        OpenOrder(
            id=o.id,
            symbol=o.symbol,
            side=o.side,
            type=o.type,
            price=o.price,
            amount=o.amount,
            filled=o.filled,
            remaining=o.remaining,
            status=o.status,
            created=None if o.timestamp is None else utc_from_ms(o.timestamp),
        )
        for o in _ORDERS.validate_python(raw)
    ]
    return OpenOrders(symbol=symbol, orders=tuple(orders), source=source, as_of=now)
