"""Report sections of the market tools: prices, market overview and breadth, trending coins,
comparison, charts and the data table."""

from __future__ import annotations

from cryptodesk.analysis.breadth import Breadth, breadth
from cryptodesk.domain import format as fmt
from cryptodesk.engines.offline.findings import Findings
from cryptodesk.engines.offline.sections.common import coin, table
from cryptodesk.tools.charts import ChartResult
from cryptodesk.tools.comparison import CompareResult
from cryptodesk.tools.market import OverviewResult, TrendingResult

DOMINANCE_SHOWN = 5


def _maybe_usd(value: float | None) -> str:
    return "n/a" if value is None else fmt.usd(value)


def prices(findings: Findings) -> list[str]:
    if not findings.prices:
        return []
    converted = [p.converted for p in findings.prices if p.converted is not None]
    currency = converted[0].currency.upper() if converted else None
    rows = [
        (
            coin(p.quote.name, p.quote.symbol),
            fmt.usd(p.quote.price_usd),
            *(
                (fmt.price(p.converted.price) if p.converted else "n/a",)
                if currency is not None
                else ()
            ),
            fmt.pct(p.quote.change_24h_pct),
            fmt.price(p.quote.high_24h),
            fmt.price(p.quote.low_24h),
            fmt.compact_usd(p.quote.volume_24h),
        )
        for p in findings.prices
    ]
    header = (
        "Coin",
        "Price (USD)",
        *((f"Price ({currency})",) if currency else ()),
        "24h change",
        "24h high",
        "24h low",
        "24h volume",
    )
    return ["## Prices", "", *table(header, rows)]


def overview(result: OverviewResult) -> list[str]:
    o, g = result.overview, result.overview.global_market
    dominance = ", ".join(
        f"{symbol.upper()} {share:.1f}%"
        for symbol, share in list(g.dominance_pct.items())[:DOMINANCE_SHOWN]
    )
    active = f", {fmt.number(g.active_coins, 0)} active coins" if g.active_coins else ""
    out = ["## Market overview", ""]
    if result.breadth is not None:
        out += breadth_lines(result.breadth)
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


def breadth_lines(moves: Breadth) -> list[str]:
    rows = [
        ("Rose / fell / unchanged", f"{moves.up} / {moves.down} / {moves.unchanged}"),
        ("Average 24h move", fmt.pct(moves.average_pct)),
        ("Leaders", ", ".join(f"{m.symbol} {fmt.pct(m.change_pct)}" for m in moves.leaders)),
        ("Laggards", ", ".join(f"{m.symbol} {fmt.pct(m.change_pct)}" for m in moves.laggards)),
    ]
    return table(("Breadth", f"{moves.coins} coins"), rows)


def price_list(findings: Findings) -> list[str]:
    """The largest coins' prices standing in for a market overview, with their breadth."""
    moves = breadth([(p.quote.symbol, p.quote.change_24h_pct) for p in findings.prices])
    if moves is None:
        return []
    return ["## Market breadth", "", *breadth_lines(moves)]


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
    lag = " ".join(
        f"{lag.symbol}'s data ends {fmt.when(lag.last_candle)}, {fmt.duration(lag.behind_s)} "
        "before the others': the comparison uses the window they share."
        for lag in c.lagging
    )
    if c.start is None or c.end is None:
        return [*out, f"Nothing to compare: {c.note}. {lag}".strip(), ""]
    out.append(f"{c.candles} common candles, {fmt.when(c.start)} to {fmt.when(c.end)}. {lag}")
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
    return ["## Charts", "", *(_chart(c) for c in findings.charts), ""]


def _chart(c: ChartResult) -> str:
    if c.kind == "comparison":
        coins = [line for line in c.lines if not line.startswith("ratio ")]
        ratio = next((line for line in c.lines if line.startswith("ratio ")), None)
        pane = f", and the {ratio.removeprefix('ratio ')} price ratio" if ratio else ""
        return (
            f"- {c.title}: one line per coin ({', '.join(coins)}) of the percent change from "
            f"the window's start{pane}"
        )
    return (
        f"- {c.title}: {', '.join(c.lines) or 'candles'}; {c.levels} levels and "
        f"{c.patterns} candlestick pattern markers drawn"
    )


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
    rows += [(f"{h.symbol} price history", h.source, fmt.when(h.as_of)) for h in findings.histories]
    rows += [
        (f"{r.symbol} {r.timeframe} outlook", r.source, fmt.when(r.as_of))
        for r in findings.outlooks
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
