"""What the offline analyst's agents found: the tool results a report is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import Outlook
from cryptodesk.engines.offline.resolve import Unresolved
from cryptodesk.tools.base import ToolResult
from cryptodesk.tools.charts import ChartResult
from cryptodesk.tools.comparison import CompareResult
from cryptodesk.tools.exchange import (
    BalancesResult,
    FundingResult,
    OpenOrdersResult,
    OrderBookResult,
)
from cryptodesk.tools.history import HistoryResult
from cryptodesk.tools.market import OverviewResult, PriceResult, TrendingResult
from cryptodesk.tools.outlook import OutlookResult
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult, PatternsResult

MarketResult = (
    PriceResult
    | IndicatorsResult
    | LevelsResult
    | PatternsResult
    | OutlookResult
    | ChartResult
    | OverviewResult
    | TrendingResult
)
LAG_TOLERANCE_S = 3600
"""Values of one kind whose times differ by less than this are current together."""


@dataclass(frozen=True, slots=True)
class Failure:
    agent: str
    tool: str
    subject: str
    error: str


class Freshness(NamedTuple):
    """One market value's labels: `stale` (a cached value served because the upstream failed,
    `age_s` old) and `fallback` (the demo market standing in for an unreachable live source)."""

    what: str
    stale: bool
    age_s: float | None
    fallback: bool


class Lag(NamedTuple):
    """A value whose data ends earlier than the others of its kind (replay files that stop
    days apart): stale relative to the rest."""

    what: str
    behind_s: float


@dataclass(slots=True)
class Findings:
    prices: list[PriceResult] = field(default_factory=list)
    indicators: list[IndicatorsResult] = field(default_factory=list)
    levels: list[LevelsResult] = field(default_factory=list)
    patterns: list[PatternsResult] = field(default_factory=list)
    outlooks: list[OutlookResult] = field(default_factory=list)
    charts: list[ChartResult] = field(default_factory=list)
    histories: list[HistoryResult] = field(default_factory=list)
    comparison: CompareResult | None = None
    overview: OverviewResult | None = None
    trending: TrendingResult | None = None
    overview_unavailable: str | None = None
    """Why the market overview came from per-coin prices instead (the tool's or mode's reason)."""
    books: list[OrderBookResult] = field(default_factory=list)
    funding: list[FundingResult] = field(default_factory=list)
    balances: BalancesResult | None = None
    orders: list[OpenOrdersResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    unresolved: tuple[Unresolved, ...] = ()
    """Coins named that could not be answered about (unknown, ambiguous, no data here)."""
    notes: list[str] = field(default_factory=list)
    """Things the agents could not do at all (e.g. the turn limit)."""
    live: bool = False
    """The market data is live (auto or live mode): other quote currencies exist, so a missing
    one is a failed call, not a limit of the source."""

    def keep(self, result: ToolResult) -> bool:
        """Files `result` under its kind; False for a kind the report does not show."""
        lists: tuple[tuple[type[ToolResult], list[Any]], ...] = (
            (PriceResult, self.prices),
            (IndicatorsResult, self.indicators),
            (LevelsResult, self.levels),
            (PatternsResult, self.patterns),
            (OutlookResult, self.outlooks),
            (ChartResult, self.charts),
            (HistoryResult, self.histories),
            (OrderBookResult, self.books),
            (FundingResult, self.funding),
            (OpenOrdersResult, self.orders),
        )
        for kind, found in lists:
            if isinstance(result, kind):
                found.append(result)
                return True
        if isinstance(result, CompareResult):
            self.comparison = result
        elif isinstance(result, OverviewResult):
            self.overview = result
        elif isinstance(result, TrendingResult):
            self.trending = result
        elif isinstance(result, BalancesResult):
            self.balances = result
        else:
            return False
        return True

    @property
    def outlook(self) -> tuple[Outlook, ...]:
        return tuple(result.outlook for result in self.outlooks)

    @property
    def simulated(self) -> bool:
        return any(r.simulated for r in self._results()) or bool(
            self.comparison and self.comparison.simulated
        )

    @property
    def replayed(self) -> bool:
        return any(source.startswith("replay:") for source, _ in self.stamps())

    @property
    def fallback(self) -> bool:
        return any(f.fallback for f in self.freshness())

    def stale(self) -> list[Freshness]:
        return [f for f in self.freshness() if f.stale]

    @property
    def exchange(self) -> bool:
        return bool(self.books or self.funding or self.balances or self.orders)

    @property
    def answered_anything(self) -> bool:
        results: list[object] = [*self._results(), *self.histories, *self.books, *self.funding]
        return bool(results or self.comparison or self.balances or self.orders)

    def _results(self) -> list[MarketResult]:
        extra = [r for r in (self.overview, self.trending) if r is not None]
        return [
            *self.prices,
            *self.indicators,
            *self.levels,
            *self.patterns,
            *self.outlooks,
            *self.charts,
            *extra,
        ]

    def _series(self) -> list[IndicatorsResult | LevelsResult | PatternsResult | OutlookResult]:
        return [*self.indicators, *self.levels, *self.patterns, *self.outlooks]

    def freshness(self) -> list[Freshness]:
        found = [
            Freshness(f"{p.quote.symbol} price", p.quote.stale, p.quote.age_s, p.quote.fallback)
            for p in self.prices
        ]
        found += [
            Freshness(f"{r.symbol} {r.timeframe} {_KIND[type(r)]}", r.stale, r.age_s, r.fallback)
            for r in self._series()
        ]
        found += [
            Freshness(f"{c.symbol} {c.interval} chart", c.stale, c.age_s, c.fallback)
            for c in self.charts
        ]
        if self.overview is not None:
            o = self.overview.overview
            found.append(Freshness("market overview", o.stale, o.age_s, o.fallback))
        if self.trending is not None:
            t = self.trending.trending
            found.append(Freshness("trending coins", t.stale, t.age_s, t.fallback))
        return found

    def lagging(self) -> list[Lag]:
        """Coins whose data ends more than `LAG_TOLERANCE_S` before the latest of its kind
        (prices with prices, candles of one timeframe with each other), with what lags."""
        groups: dict[str, list[tuple[str, datetime]]] = {
            "price": [(p.quote.symbol, p.quote.as_of) for p in self.prices]
        }
        for r in self._series():
            groups.setdefault(r.timeframe, []).append((r.symbol, r.as_of))
        behind: dict[str, dict[str, float]] = {}
        for kind, stamps in groups.items():
            if len({symbol for symbol, _ in stamps}) < 2:
                continue
            latest = max(when for _, when in stamps)
            for symbol, when in stamps:
                lag = (latest - when).total_seconds()
                if lag > LAG_TOLERANCE_S:
                    what = "price" if kind == "price" else f"{kind} candles"
                    behind.setdefault(symbol, {}).setdefault(what, lag)
        if self.comparison is not None:
            for late in self.comparison.lagging:
                behind.setdefault(late.symbol, {}).setdefault("comparison", late.behind_s)
        return [
            Lag(f"{symbol} ({', '.join(kinds)})", max(kinds.values()))
            for symbol, kinds in behind.items()
        ]

    def stamps(self) -> list[tuple[str, str]]:
        """(source, as of) of every value found."""
        stamps = [(p.quote.source, fmt.when(p.quote.as_of)) for p in self.prices]
        stamps += [(r.source, fmt.when(r.as_of)) for r in self._series()]
        stamps += [(c.source, fmt.when(c.as_of)) for c in self.charts]
        stamps += [(h.source, fmt.when(h.as_of)) for h in self.histories]
        if self.comparison is not None:
            stamps += [(s.source, fmt.when(s.as_of)) for s in self.comparison.sources]
        return stamps

    def labels(self) -> tuple[str, ...]:
        """The result frame's `data_labels`."""
        return (
            *(("simulated",) if self.simulated else ()),
            *(("replay",) if self.replayed else ()),
            *(("stale",) if self.stale() or self.lagging() else ()),
            *(("fallback",) if self.fallback else ()),
        )


_KIND: dict[type[ToolResult], str] = {
    IndicatorsResult: "indicators",
    LevelsResult: "key levels",
    PatternsResult: "candlestick patterns",
    OutlookResult: "outlook",
}
