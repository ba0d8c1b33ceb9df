"""What the offline analyst's agents found: the tool results a report is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from cryptodesk.domain import format as fmt
from cryptodesk.tools.charts import ChartResult
from cryptodesk.tools.comparison import CompareResult
from cryptodesk.tools.exchange import (
    BalancesResult,
    FundingResult,
    OpenOrdersResult,
    OrderBookResult,
)
from cryptodesk.tools.market import OverviewResult, PriceResult, TrendingResult
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult, PatternsResult

MarketResult = (
    PriceResult
    | IndicatorsResult
    | LevelsResult
    | PatternsResult
    | ChartResult
    | OverviewResult
    | TrendingResult
)


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


@dataclass(slots=True)
class Findings:
    prices: list[PriceResult] = field(default_factory=list)
    indicators: list[IndicatorsResult] = field(default_factory=list)
    levels: list[LevelsResult] = field(default_factory=list)
    patterns: list[PatternsResult] = field(default_factory=list)
    charts: list[ChartResult] = field(default_factory=list)
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
    notes: list[str] = field(default_factory=list)
    """Things the agents could not do at all (e.g. the turn limit)."""

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

    def _results(self) -> list[MarketResult]:
        extra = [r for r in (self.overview, self.trending) if r is not None]
        return [
            *self.prices,
            *self.indicators,
            *self.levels,
            *self.patterns,
            *self.charts,
            *extra,
        ]

    def freshness(self) -> list[Freshness]:
        found = [
            Freshness(f"{p.quote.symbol} price", p.quote.stale, p.quote.age_s, p.quote.fallback)
            for p in self.prices
        ]
        for kind, results in (
            ("indicators", self.indicators),
            ("key levels", self.levels),
            ("candlestick patterns", self.patterns),
        ):
            found += [
                Freshness(f"{r.symbol} {r.timeframe} {kind}", r.stale, r.age_s, r.fallback)
                for r in results
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

    def stamps(self) -> list[tuple[str, str]]:
        """(source, as of) of every value found."""
        stamps = [(p.quote.source, fmt.when(p.quote.as_of)) for p in self.prices]
        stamps += [
            (r.source, fmt.when(r.as_of)) for r in [*self.indicators, *self.levels, *self.patterns]
        ]
        stamps += [(c.source, fmt.when(c.as_of)) for c in self.charts]
        if self.comparison is not None:
            stamps += [(s.source, fmt.when(s.as_of)) for s in self.comparison.sources]
        return stamps

    def labels(self) -> tuple[str, ...]:
        """The result frame's `data_labels`."""
        return (
            *(("simulated",) if self.simulated else ()),
            *(("replay",) if self.replayed else ()),
            *(("stale",) if self.stale() else ()),
            *(("fallback",) if self.fallback else ()),
        )
