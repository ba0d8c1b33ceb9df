"""Exchange tools (read-only): order book, funding and open interest, balances, open orders."""

from __future__ import annotations

import asyncio
import re

from pydantic import BaseModel, Field

from cryptodesk.domain import format as fmt
from cryptodesk.errors import DataUnavailableError
from cryptodesk.market.exchange_errors import ExchangeNotConfiguredError
from cryptodesk.market.exchange_schemas import (
    Balances,
    DepthBand,
    FundingRate,
    OpenInterest,
    OpenOrders,
    OrderBook,
)
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.tools.base import Tool, ToolContext, ToolResult

_SYMBOL_HELP = "Coin or pair: 'BTC', 'bitcoin', 'BTC/USDT' or 'BTCUSDT' (quote defaults to USDT)."
_HOURS = re.compile(r"^(\d+(?:\.\d+)?)h$")
_LISTED = 5


def _exchange(context: ToolContext) -> ExchangeService:
    if context.exchange is None:
        raise ExchangeNotConfiguredError()
    return context.exchange


def _amount(value: float | None) -> str:
    return "n/a" if value is None else fmt.price(value)


class OrderBookArgs(BaseModel):
    symbol: str = Field(description=_SYMBOL_HELP)
    depth: int = Field(50, ge=5, le=100, description="Price levels to fetch on each side.")


class OrderBookResult(ToolResult):
    book: OrderBook

    def summary(self) -> str:
        b = self.book
        return (
            f"{b.symbol} on {b.source}: bid {fmt.price(b.best_bid)} / ask {fmt.price(b.best_ask)}, "
            f"spread {fmt.price(b.spread)} ({b.spread_bps:.2f} bps); "
            + "; ".join(self._band(band) for band in b.depth)
            + f"; {len(b.bids)} bid and {len(b.asks)} ask levels; as of {fmt.when(b.as_of)}"
        )

    def _band(self, band: DepthBand) -> str:
        base, quote = self.book.base, self.book.quote
        lower = "" if band.complete else " (at least: the fetched book ends inside this band)"
        return (
            f"within ±{band.pct:g}%: bids {fmt.number(band.bid_base, 4)} {base} "
            f"({fmt.number(band.bid_quote, 0)} {quote}), asks {fmt.number(band.ask_base, 4)} "
            f"{base} ({fmt.number(band.ask_quote, 0)} {quote}){lower}"
        )


async def get_order_book(context: ToolContext, args: OrderBookArgs) -> OrderBookResult:
    book = await _exchange(context).order_book(args.symbol, args.depth)
    return OrderBookResult(simulated=False, book=book)


class FundingArgs(BaseModel):
    coin: str = Field(description="Coin or pair whose linear perpetual to read, e.g. 'BTC'.")


class FundingResult(ToolResult):
    funding: FundingRate
    annualized_pct: float | None
    """The current rate compounded simply over a year of intervals, in percent."""
    open_interest: OpenInterest | None
    open_interest_error: str | None
    """Why open interest is missing, when it is."""

    def summary(self) -> str:
        f = self.funding
        per = f" per {f.interval}" if f.interval else ""
        yearly = (
            f" (≈ {fmt.pct(self.annualized_pct)} a year)" if self.annualized_pct is not None else ""
        )
        nxt = f", next funding {fmt.when(f.next_funding_time)}" if f.next_funding_time else ""
        if self.open_interest is not None:
            oi = f"open interest {_amount(self.open_interest.amount)} contracts"
            if self.open_interest.value is not None:
                oi += f" ({fmt.compact_usd(self.open_interest.value)})"
        else:
            oi = f"open interest unavailable: {self.open_interest_error}"
        return (
            f"{f.symbol} on {f.source}: funding {f.rate * 100:+.4f}%{per}{yearly}{nxt}; {oi}; "
            f"as of {fmt.when(f.as_of)}"
        )


def annualized_pct(funding: FundingRate) -> float | None:
    match = _HOURS.match(funding.interval or "")
    if match is None or float(match.group(1)) <= 0:
        return None
    return funding.rate * 100 * 24 / float(match.group(1)) * 365


async def get_funding_rate(context: ToolContext, args: FundingArgs) -> FundingResult:
    exchange = _exchange(context)
    funding, interest = await asyncio.gather(
        exchange.funding_rate(args.coin), exchange.open_interest(args.coin), return_exceptions=True
    )
    if isinstance(funding, BaseException):
        raise funding
    open_interest: OpenInterest | None = None
    interest_error: str | None = None
    if isinstance(interest, DataUnavailableError):
        interest_error = interest.message
    elif isinstance(interest, BaseException):
        raise interest
    else:
        open_interest = interest
    return FundingResult(
        simulated=False,
        funding=funding,
        annualized_pct=annualized_pct(funding),
        open_interest=open_interest,
        open_interest_error=interest_error,
    )


class NoArgs(BaseModel):
    pass


class BalancesResult(ToolResult):
    balances: Balances

    def summary(self) -> str:
        b = self.balances
        if not b.balances:
            return f"no non-zero balances on {b.source}; as of {fmt.when(b.as_of)}"
        rows = ", ".join(
            f"{x.currency} {_amount(x.total)} (free {_amount(x.free)})"
            for x in b.balances[:_LISTED]
        )
        more = f" and {len(b.balances) - _LISTED} more" if len(b.balances) > _LISTED else ""
        return (
            f"{len(b.balances)} non-zero balances on {b.source}: {rows}{more}; "
            f"as of {fmt.when(b.as_of)}"
        )


async def get_balances(context: ToolContext, _args: NoArgs) -> BalancesResult:
    return BalancesResult(simulated=False, balances=await _exchange(context).balances())


class OpenOrdersArgs(BaseModel):
    symbol: str | None = Field(None, description=f"Only this market. {_SYMBOL_HELP}")


class OpenOrdersResult(ToolResult):
    orders: OpenOrders

    def summary(self) -> str:
        o = self.orders
        where = f" on {o.symbol}" if o.symbol else ""
        if not o.orders:
            return f"no open orders{where} on {o.source}; as of {fmt.when(o.as_of)}"
        rows = "; ".join(
            f"{x.symbol} {x.side or '?'} {x.type or 'order'} {_amount(x.amount)} @ "
            f"{_amount(x.price)} (filled {_amount(x.filled)})"
            for x in o.orders[:_LISTED]
        )
        more = f" and {len(o.orders) - _LISTED} more" if len(o.orders) > _LISTED else ""
        return (
            f"{len(o.orders)} open orders{where} on {o.source}: {rows}{more}; "
            f"as of {fmt.when(o.as_of)}"
        )


async def get_open_orders(context: ToolContext, args: OpenOrdersArgs) -> OpenOrdersResult:
    orders = await _exchange(context).open_orders(args.symbol)
    return OpenOrdersResult(simulated=False, orders=orders)


ORDER_BOOK_TOOL = Tool(
    "get_order_book",
    "Live order book of a spot market on the configured exchange: best bid and ask, spread "
    "(absolute and bps) and the depth within ±1% and ±2% of mid.",
    OrderBookArgs,
    OrderBookResult,
    get_order_book,
)
FUNDING_TOOL = Tool(
    "get_funding_rate",
    "Funding rate, next funding time and open interest of a coin's linear perpetual "
    "(e.g. BTC/USDT:USDT) on the configured exchange.",
    FundingArgs,
    FundingResult,
    get_funding_rate,
)
BALANCES_TOOL = Tool(
    "get_balances",
    "Non-zero balances (free, used, total) of the configured exchange account; needs API keys.",
    NoArgs,
    BalancesResult,
    get_balances,
)
OPEN_ORDERS_TOOL = Tool(
    "get_open_orders",
    "Open orders of the configured exchange account, optionally of one market; needs API keys.",
    OpenOrdersArgs,
    OpenOrdersResult,
    get_open_orders,
)
