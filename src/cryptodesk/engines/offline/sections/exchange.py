"""Report sections of the exchange tools: order books, funding and open interest, and the
account's balances and open orders."""

from __future__ import annotations

from cryptodesk.domain import format as fmt
from cryptodesk.engines.offline.findings import Findings
from cryptodesk.engines.offline.sections.common import table
from cryptodesk.tools.exchange import (
    BalancesResult,
    FundingResult,
    OpenOrdersResult,
    OrderBookResult,
)


def _amount(value: float | None) -> str:
    return "n/a" if value is None else fmt.price(value)


def order_book(result: OrderBookResult) -> list[str]:
    b = result.book
    out = [f"## Order book: {b.symbol} on {b.source}", ""]
    out += table(
        ("Best bid", "Best ask", "Mid", "Spread", "Spread (bps)"),
        [
            (
                fmt.price(b.best_bid),
                fmt.price(b.best_ask),
                fmt.price(b.mid),
                fmt.price(b.spread),
                f"{b.spread_bps:.2f}",
            )
        ],
    )
    rows = [
        (
            f"±{band.pct:g}% of mid" + ("" if band.complete else " (at least)"),
            fmt.number(band.bid_base, 4),
            fmt.number(band.bid_quote, 0),
            fmt.number(band.ask_base, 4),
            fmt.number(band.ask_quote, 0),
        )
        for band in b.depth
    ]
    header = (
        "Depth",
        f"Bids ({b.base})",
        f"Bids ({b.quote})",
        f"Asks ({b.base})",
        f"Asks ({b.quote})",
    )
    out += table(header, rows)
    if not all(band.complete for band in b.depth):
        out += [
            "_(at least): the fetched levels end inside that band, so its sums are lower bounds._",
            "",
        ]
    return out


def funding(result: FundingResult) -> list[str]:
    f = result.funding
    per = f" per {f.interval}" if f.interval else " per funding interval"
    rows = [("Funding rate", f"{f.rate * 100:+.4f}%{per}")]
    if result.annualized_pct is not None:
        rows.append(("Annualised", fmt.pct(result.annualized_pct)))
    rows.append(("Next funding", fmt.when(f.next_funding_time) if f.next_funding_time else "n/a"))
    if f.mark_price is not None:
        rows.append(("Mark price", fmt.price(f.mark_price)))
    if f.index_price is not None:
        rows.append(("Index price", fmt.price(f.index_price)))
    if result.open_interest is not None:
        oi = result.open_interest
        value = f" ({fmt.compact_usd(oi.value)})" if oi.value is not None else ""
        rows.append(("Open interest", f"{_amount(oi.amount)} contracts{value}"))
    else:
        rows.append(("Open interest", f"unavailable: {result.open_interest_error}"))
    return [f"## Funding: {f.symbol} on {f.source}", "", *table(("", "Value"), rows)]


def balances(result: BalancesResult) -> list[str]:
    b = result.balances
    out = [f"## Balances on {b.source}", ""]
    if not b.balances:
        return [*out, "No non-zero balance.", ""]
    rows = [(x.currency, _amount(x.free), _amount(x.used), _amount(x.total)) for x in b.balances]
    return out + table(("Currency", "Free", "Used", "Total"), rows)


def open_orders(result: OpenOrdersResult) -> list[str]:
    o = result.orders
    where = f" ({o.symbol})" if o.symbol else ""
    out = [f"## Open orders on {o.source}{where}", ""]
    if not o.orders:
        return [*out, "No open orders.", ""]
    rows = [
        (
            x.symbol,
            x.side or "?",
            x.type or "",
            _amount(x.price),
            _amount(x.amount),
            _amount(x.filled),
            x.status or "",
            fmt.when(x.created) if x.created else "",
        )
        for x in o.orders
    ]
    header = ("Market", "Side", "Type", "Price", "Amount", "Filled", "Status", "Created")
    return out + table(header, rows)


def exchange(findings: Findings) -> list[str]:
    lines: list[str] = []
    for book in findings.books:
        lines += order_book(book)
    for rate in findings.funding:
        lines += funding(rate)
    if findings.balances is not None:
        lines += balances(findings.balances)
    for orders in findings.orders:
        lines += open_orders(orders)
    return lines
