"""Report sections of the market tools: summary, prices, market overview, trending coins,
comparison, charts and the data table."""

from __future__ import annotations

from cryptodesk.domain import format as fmt
from cryptodesk.engines.offline.findings import Findings
from cryptodesk.engines.offline.sections.common import ago, coin, table
from cryptodesk.tools.comparison import CompareResult
from cryptodesk.tools.market import OverviewResult, TrendingResult

DOMINANCE_SHOWN = 5


def _maybe_usd(value: float | None) -> str:
    return "n/a" if value is None else fmt.usd(value)


def summary(findings: Findings) -> list[str]:
    lines: list[str] = []
    plain_prices = not findings.indicators and findings.comparison is None
    if findings.overview is not None:
        g = findings.overview.overview.global_market
        lines.append(
            f"- Total market cap **{fmt.compact_usd(g.total_market_cap_usd)}** "
            f"({fmt.pct(g.market_cap_change_24h_pct)} 24h), 24h volume "
            f"{fmt.compact_usd(g.total_volume_usd)}"
        )
    # An overview's price table says it all; a bullet per coin would only repeat it.
    for price in () if plain_prices and len(findings.prices) > 2 else findings.prices:
        q = price.quote
        parts = [f"**{q.symbol}** {fmt.usd(q.price_usd)} ({fmt.pct(q.change_24h_pct)} 24h)"]
        ta = next((r for r in findings.indicators if r.coin_id == q.coin_id), None)
        if ta is not None:
            parts.append(f"{ta.timeframe} trend **{ta.trend.direction}**")
            parts.append(f"RSI14 {fmt.number(ta.momentum.rsi)} ({ta.momentum.rsi_zone})")
            if ta.momentum.macd_cross != "none":
                parts.append(f"MACD {ta.momentum.macd_cross} cross")
        found = next((r for r in findings.patterns if r.coin_id == q.coin_id), None)
        if found is not None and found.patterns:
            last = found.patterns[-1]
            parts.append(f"latest pattern {last.label} ({last.bias}, {ago(last.bars_ago)})")
        lines.append("- " + " · ".join(parts))
    for book in findings.books:
        b = book.book
        lines.append(
            f"- **{b.symbol}** on {b.source}: spread {fmt.price(b.spread)} ({b.spread_bps:.2f} bps)"
        )
    for funding in findings.funding:
        f = funding.funding
        per = f" per {f.interval}" if f.interval else ""
        lines.append(f"- **{f.symbol}** funding {f.rate * 100:+.4f}%{per}")
    if findings.comparison is not None:
        c = findings.comparison
        lines.append(f"- Over {c.period} ({c.timeframe}): best **{c.best}**, worst **{c.worst}**")
    return ["## Summary", "", *lines, ""] if lines else []


def prices(findings: Findings) -> list[str]:
    if not findings.prices:
        return []
    rows = [
        (
            coin(p.quote.name, p.quote.symbol),
            fmt.usd(p.quote.price_usd),
            fmt.pct(p.quote.change_24h_pct),
            fmt.price(p.quote.high_24h),
            fmt.price(p.quote.low_24h),
            fmt.compact_usd(p.quote.volume_24h),
        )
        for p in findings.prices
    ]
    header = ("Coin", "Price (USD)", "24h change", "24h high", "24h low", "24h volume")
    return ["## Prices", "", *table(header, rows)]


def overview(result: OverviewResult) -> list[str]:
    o, g = result.overview, result.overview.global_market
    dominance = ", ".join(
        f"{symbol.upper()} {share:.1f}%"
        for symbol, share in list(g.dominance_pct.items())[:DOMINANCE_SHOWN]
    )
    active = f", {fmt.number(g.active_coins, 0)} active coins" if g.active_coins else ""
    out = ["## Market overview", ""]
    out.append(
        f"Total market cap {fmt.compact_usd(g.total_market_cap_usd)} "
        f"({fmt.pct(g.market_cap_change_24h_pct)} 24h), 24h volume "
        f"{fmt.compact_usd(g.total_volume_usd)}{active}."
        + (f" Dominance: {dominance}." if dominance else "")
    )
    out.append("")
    rows = [
        (
            str(c.rank) if c.rank is not None else "",
            coin(c.name, c.symbol),
            _maybe_usd(c.price_usd),
            fmt.pct(c.change_24h_pct),
            fmt.compact_usd(c.market_cap_usd),
            fmt.compact_usd(c.volume_24h),
        )
        for c in o.top.coins
    ]
    header = ("Rank", "Coin", "Price (USD)", "24h change", "Market cap", "24h volume")
    return out + table(header, rows)


def overview_unavailable(reason: str, findings: Findings) -> list[str]:
    sources = sorted({p.quote.source for p in findings.prices})
    instead = (
        f" Prices of the largest coins from {', '.join(sources)} are shown instead."
        if sources
        else ""
    )
    return [f"> ⚠️ Market overview source unavailable: {reason.rstrip('.')}.{instead}", ""]


def trending(result: TrendingResult) -> list[str]:
    t = result.trending
    out = ["## Trending now", ""]
    if not t.coins:
        return [*out, "No coin is trending.", ""]
    rows = [
        (
            coin(c.name, c.symbol),
            str(c.rank) if c.rank is not None else "",
            _maybe_usd(c.price_usd),
            fmt.pct(c.change_24h_pct),
            fmt.compact_usd(c.market_cap_usd),
        )
        for c in t.coins
    ]
    out += table(("Coin", "Market cap rank", "Price (USD)", "24h change", "Market cap"), rows)
    if t.categories:
        out += [f"Trending categories: {', '.join(t.categories)}.", ""]
    return out


def comparison(c: CompareResult) -> list[str]:
    out = [f"## Comparison over {c.period} ({c.timeframe})", ""]
    out.append(f"{c.candles} common candles, {fmt.when(c.start)} to {fmt.when(c.end)}.")
    out.append("")
    rows = [
        (
            a.symbol,
            fmt.price(a.start_price),
            fmt.price(a.end_price),
            fmt.pct(a.return_pct),
            fmt.number(a.volatility_pct),
            fmt.pct(a.max_drawdown_pct),
        )
        for a in c.assets
    ]
    header = ("Coin", "Start", "End", "Return", "Volatility (ann. %)", "Max drawdown")
    out += table(header, rows)
    symbols = [a.symbol for a in c.assets]
    matrix = [
        (symbol, *(fmt.number(value) for value in row))
        for symbol, row in zip(symbols, c.correlation, strict=True)
    ]
    out += ["Correlation of returns:", "", *table(("", *symbols), matrix)]
    return out


def charts(findings: Findings) -> list[str]:
    if not findings.charts:
        return []
    return [
        "## Charts",
        "",
        *(
            f"- {c.title}: {', '.join(c.lines) or 'candles'}; {c.levels} levels and "
            f"{c.patterns} candlestick pattern markers drawn"
            for c in findings.charts
        ),
        "",
    ]


def data(findings: Findings) -> list[str]:
    rows = [
        (f"{p.quote.symbol} price", p.quote.source, fmt.when(p.quote.as_of))
        for p in findings.prices
    ]
    if findings.overview is not None:
        o = findings.overview.overview
        rows.append(("Largest coins", o.top.source, fmt.when(o.top.as_of)))
        rows.append(("Global market", o.global_market.source, fmt.when(o.global_market.as_of)))
    if findings.trending is not None:
        t = findings.trending.trending
        rows.append(("Trending coins", t.source, fmt.when(t.as_of)))
    for kind, results in (
        ("indicators", findings.indicators),
        ("key levels", findings.levels),
        ("candlestick patterns", findings.patterns),
    ):
        rows += [(f"{r.symbol} {r.timeframe} {kind}", r.source, fmt.when(r.as_of)) for r in results]
    rows += [
        (f"{c.symbol} {c.interval} chart", c.source, fmt.when(c.as_of)) for c in findings.charts
    ]
    if findings.comparison is not None:
        rows += [
            (f"{s.symbol} comparison candles", s.source, fmt.when(s.as_of))
            for s in findings.comparison.sources
        ]
    rows += [
        (f"{b.book.symbol} order book", b.book.source, fmt.when(b.book.as_of))
        for b in findings.books
    ]
    for f in findings.funding:
        rows.append((f"{f.funding.symbol} funding", f.funding.source, fmt.when(f.funding.as_of)))
        if f.open_interest is not None:
            oi = f.open_interest
            rows.append((f"{oi.symbol} open interest", oi.source, fmt.when(oi.as_of)))
    if findings.balances is not None:
        b = findings.balances.balances
        rows.append(("Account balances", b.source, fmt.when(b.as_of)))
    rows += [
        (
            f"Open orders{' of ' + o.orders.symbol if o.orders.symbol else ''}",
            o.orders.source,
            fmt.when(o.orders.as_of),
        )
        for o in findings.orders
    ]
    if not rows:
        return ["## Data", "", "No market data was retrieved.", ""]
    return ["## Data", "", *table(("Value", "Source", "As of"), rows)]
