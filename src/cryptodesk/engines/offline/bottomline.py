"""The one to three sentences every report opens with: the answer to the question as asked,
and what kind of answer it is (`answer_kind`)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptodesk.analysis.breadth import Breadth, breadth
from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import AnswerKind, Outlook
from cryptodesk.engines.offline.findings import Findings
from cryptodesk.engines.offline.intent import Intent
from cryptodesk.engines.offline.sections.common import levels_line
from cryptodesk.tools.technical import IndicatorsResult

MAX_PRICES = 3


@dataclass(frozen=True, slots=True)
class BottomLine:
    text: str
    kind: AnswerKind


def _price(findings: Findings, intent: Intent) -> str:
    prices = findings.prices
    if len(prices) > MAX_PRICES:
        listed = ", ".join(f"{p.quote.symbol} {fmt.usd(p.quote.price_usd)}" for p in prices)
        return f"Prices of {len(prices)} coins: {listed}."
    parts = []
    for result in prices:
        q = result.quote
        text = f"{q.symbol} is {fmt.usd(q.price_usd)}"
        if result.converted is not None:
            c = result.converted
            text += f" ({fmt.price(c.price)} {c.currency.upper()})"
        parts.append(f"{text}, {fmt.pct(q.change_24h_pct)} in 24h (as of {fmt.when(q.as_of)})")
    text = "; ".join(parts) + "."
    if intent.currency and not findings.live and not any(p.converted for p in prices):
        source = "replayed" if findings.replayed else "demo" if findings.simulated else "this"
        text += (
            f" Only USD(T) prices are available from {source} data, so there is no "
            f"{intent.currency.upper()} price."
        )
    return text


def _extremes(ta: IndicatorsResult, asked: str) -> str:
    m, st = ta.momentum, ta.stochastic
    if m.rsi is None:
        return f"{ta.symbol}: RSI14 is still warming up on {ta.timeframe}, so I can't say."
    threshold = "from 70" if asked == "overbought" else "at 30 or below"
    rsi_hit = m.rsi_zone == asked
    parts = [f"RSI14 {fmt.number(m.rsi)} ({asked} {threshold})"]
    hits = [rsi_hit]
    if st is not None and st.k is not None:
        stoch_hit = st.zone == asked
        hits.append(stoch_hit)
        limit = "from 80" if asked == "overbought" else "at 20 or below"
        parts.append(f"Stochastic %K {fmt.number(st.k)} ({limit})")
    if all(hits):
        verdict = f"Yes: {ta.symbol} is {asked} on {ta.timeframe}"
    elif any(hits):
        verdict = f"Partly: {ta.symbol} is {asked} on {ta.timeframe} by one measure only"
    else:
        verdict = f"No: {ta.symbol} is not {asked} on {ta.timeframe}"
    return f"{verdict}: {' and '.join(parts)}."


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _reasons(o: Outlook, count: int = 2) -> str:
    leaning = [s for s in o.signals if s.lean == o.bias] or list(o.signals)
    return "; ".join(s.reading for s in leaning[:count])


def _outlook(o: Outlook, decision: bool) -> str:
    head = f"{o.symbol} on {o.timeframe} at {fmt.price(o.price)}"
    lean = f"{o.bias} (strength {o.strength:g})"
    if decision:
        first = f"The data leans {lean} for {head}: {_reasons(o)}."
    else:
        first = f"{head}: {lean} outlook; {_reasons(o)}."
    wrong = f" The {o.bias} view is wrong on {o.invalidation_note}." if o.bias != "neutral" else ""
    return f"{first} {levels_line(o)}.{wrong}{_entry(o)}"


def _entry(o: Outlook) -> str:
    bull = next((s for s in o.scenarios if s.kind == "bull"), None)
    if bull is None or bull.entry_zone is None:
        return ""
    low, high = bull.entry_zone
    zone = f"{fmt.price(low)}–{fmt.price(high)}" if low != high else fmt.price(low)
    if bull.risk_reward is None or bull.target is None or bull.stop is None:
        return f" From {zone} the bull scenario offers no favourable risk/reward."
    return (
        f" From {zone}, the bull scenario's target {fmt.price(bull.target)} against a stop at "
        f"{fmt.price(bull.stop)} is a risk/reward of {fmt.number(bull.risk_reward)}."
    )


def _comparison(findings: Findings) -> str:
    c = findings.comparison
    if c is None:
        return ""
    lag = "".join(
        f" {lag.symbol}'s data ends {fmt.duration(lag.behind_s)} before the others', so the "
        "window is the one they share."
        for lag in c.lagging
    )
    if c.start is None or c.end is None:
        return f"I can't compare them over {c.period}: {c.note}.{lag}"
    ranked = sorted(c.assets, key=lambda a: -a.return_pct)
    listed = ", ".join(f"{a.symbol} {fmt.pct(a.return_pct)}" for a in ranked)
    return (
        f"Over {c.period} ({fmt.day(c.start)} to {fmt.day(c.end)}, {c.timeframe} candles) "
        f"{c.best} did best and {c.worst} worst: {listed}.{lag}"
    )


def _market(findings: Findings) -> str:
    moves: Breadth | None = None
    if findings.overview is not None:
        moves = findings.overview.breadth
    elif findings.prices:
        moves = breadth([(p.quote.symbol, p.quote.change_24h_pct) for p in findings.prices])
    if moves is None:
        return "No market data came back."
    leaders = ", ".join(f"{m.symbol} {fmt.pct(m.change_pct)}" for m in moves.leaders)
    laggards = ", ".join(f"{m.symbol} {fmt.pct(m.change_pct)}" for m in moves.laggards)
    text = (
        f"The market is {moves.tone} over 24h: {moves.up} of {moves.coins} large coins rose and "
        f"{moves.down} fell, {fmt.pct(moves.average_pct)} on average"
    )
    text += f"; leading {leaders}" if leaders else ""
    text += f"; lagging {laggards}" if laggards else ""
    text += "."
    if findings.overview is not None:
        g = findings.overview.overview.global_market
        btc = g.dominance_pct.get("btc")
        share = f", BTC dominance {fmt.number(btc)}%" if btc is not None else ""
        text += (
            f" Total market cap {fmt.compact_usd(g.total_market_cap_usd)} "
            f"({fmt.pct(g.market_cap_change_24h_pct)} in 24h){share}."
        )
    return text


def _history(findings: Findings, intent: Intent) -> BottomLine:
    window = intent.history.label if intent.history else (intent.period or "the period")
    if not findings.histories:
        why = "; ".join(f.error for f in findings.failures) or "no source covers it"
        coins = ", ".join(c.symbol for c in intent.coins) or "it"
        return BottomLine(
            f"I can't show {coins} in {window} ({why}). What I can do: current prices, technical "
            "analysis and comparisons of the coins the source has, and history the source "
            "covers.",
            "cannot_answer",
        )
    parts = [
        f"{h.symbol} went from {fmt.price(h.first)} to {fmt.price(h.last)} "
        f"({fmt.pct(h.change_pct)}) between {fmt.day(h.start)} and {fmt.day(h.end)}, with a high "
        f"of {fmt.price(h.high.price)} on {fmt.day(h.high.time)} and a low of "
        f"{fmt.price(h.low.price)} on {fmt.day(h.low.time)}"
        for h in findings.histories
    ]
    return BottomLine(f"In {window}: " + "; ".join(parts) + ".", "answered")


def _exchange(findings: Findings) -> str:
    parts = [
        f"{b.book.symbol} on {b.book.source}: best bid {fmt.price(b.book.best_bid)}, best ask "
        f"{fmt.price(b.book.best_ask)}, spread {fmt.price(b.book.spread)} "
        f"({fmt.number(b.book.spread_bps)} bps)"
        for b in findings.books
    ]
    parts += [
        f"{f.funding.symbol} funding {fmt.number(f.funding.rate * 100)}%"
        + (f" per {f.funding.interval}" if f.funding.interval else "")
        for f in findings.funding
    ]
    if findings.balances is not None:
        b = findings.balances.balances
        parts.append(f"{len(b.balances)} non-zero balances on {b.source}")
    for orders in findings.orders:
        parts.append(f"{len(orders.orders.orders)} open orders on {orders.orders.source}")
    return "; ".join(parts) + "." if parts else ""


EXCHANGE_TOOLS = frozenset(
    {"get_order_book", "get_funding_rate", "get_balances", "get_open_orders"}
)


def _exchange_missing(intent: Intent, findings: Findings) -> str:
    """An exchange question whose exchange data all failed, with prices: say so first, then the
    price (without any data at all the answer is a plain "couldn't answer")."""
    why = "; ".join(dict.fromkeys(f.error for f in findings.failures if f.tool in EXCHANGE_TOOLS))
    what = "account data" if intent.account and not intent.exchange else "exchange data"
    text = f"No {what}: {why}." if why else f"No {what} came back."
    return f"{text} {_price(findings, intent)}"


def _unresolved(findings: Findings) -> str:
    parts = []
    for u in findings.unresolved:
        matches = f" Closest matches: {', '.join(u.matches)}." if u.matches else ""
        parts.append(f"{u.reason}.{matches}")
    return " ".join(parts)


def _answer(intent: Intent, findings: Findings) -> str:
    """The sentences answering the question's main kind."""
    outlooks = {o.coin_id: o for o in findings.outlook}
    if intent.extremes and findings.indicators:
        return " ".join(_extremes(ta, intent.extremes) for ta in findings.indicators)
    if (intent.decision or intent.levels or intent.technical) and outlooks:
        if intent.levels and not intent.decision:
            return " ".join(
                f"{o.symbol} on {o.timeframe} at {fmt.price(o.price)}: {_lower(levels_line(o))}."
                for o in outlooks.values()
            )
        return " ".join(_outlook(o, intent.decision) for o in outlooks.values())
    if findings.exchange:
        return _exchange(findings)
    if (intent.exchange or intent.account) and findings.prices:
        return _exchange_missing(intent, findings)
    if intent.comparison and findings.comparison is not None:
        return _comparison(findings)
    if (intent.overview or intent.trending) and not intent.coin_queries:
        text = _market(findings)
        if findings.trending is not None and findings.trending.trending.coins:
            names = ", ".join(c.symbol for c in findings.trending.trending.coins[:5])
            text += f" Trending on CoinGecko: {names}."
        elif intent.trending and not findings.live:
            text += " Which coins are trending needs live CoinGecko data."
        return text
    if findings.histories:
        return _history(findings, intent).text
    if findings.prices:
        return _price(findings, intent)
    return ""


def bottom_line(intent: Intent, findings: Findings) -> BottomLine:
    """The opening sentences and the answer's kind."""
    if intent.history is not None:
        line = _history(findings, intent)
        extra = _unresolved(findings)
        if findings.unresolved and not findings.histories:
            return BottomLine(f"{extra} {line.text}", "cannot_answer")
        return line
    if intent.news:
        shows = _price(findings, intent) if findings.prices else ""
        return BottomLine(
            "I can't answer why from market data: CryptoDesk reads prices, candles and exchange "
            "data, not news or events." + (f" What the data shows: {shows}" if shows else ""),
            "cannot_answer",
        )
    answer = _answer(intent, findings)
    unresolved = _unresolved(findings)
    if not answer:
        if findings.unresolved:
            return BottomLine(unresolved, "clarification")
        why = "; ".join(dict.fromkeys(f.error for f in findings.failures))
        why = why or "no tool returned data"
        return BottomLine(f"I couldn't answer from the market data: {why}.", "cannot_answer")
    text = f"{answer} {unresolved}".strip()
    missing = bool(findings.failures or findings.notes or findings.unresolved)
    if intent.currency and findings.prices and not any(p.converted for p in findings.prices):
        missing = True
    if findings.comparison is not None and findings.comparison.start is None:
        missing = True
    if intent.trending and findings.trending is None:
        missing = True
    return BottomLine(text, "partial" if missing else "answered")
