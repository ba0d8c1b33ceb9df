"""The offline analyst's markdown report. Every number in it comes from a tool result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptodesk.analysis.indicators import LABELS
from cryptodesk.engines.offline.intent import Intent
from cryptodesk.tools import format as fmt
from cryptodesk.tools.charts import ChartResult
from cryptodesk.tools.market import CompareResult, PriceResult
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult, PatternsResult

SIMULATED_WARNING = "> ⚠️ Simulated demo data — not real market prices."
REPLAY_WARNING = (
    "> ⏪ Replayed historical data — not live prices: “now” is the end of the replayed files."
)
MAX_PATTERN_ROWS = 8
"""Most recent patterns listed per coin; the counts cover them all."""
FOOTER = (
    "_Written by the offline analyst (rule-based, no LLM). To let the LLM agent team answer, set "
    "`CRYPTODESK_LLM_PROVIDER`, `CRYPTODESK_LLM_MODEL` and `CRYPTODESK_LLM_API_KEY` "
    "(or run Ollama locally and set `CRYPTODESK_LLM_PROVIDER=ollama`)._"
)


@dataclass(frozen=True, slots=True)
class Failure:
    agent: str
    tool: str
    subject: str
    error: str


@dataclass(slots=True)
class Findings:
    prices: list[PriceResult] = field(default_factory=list)
    indicators: list[IndicatorsResult] = field(default_factory=list)
    levels: list[LevelsResult] = field(default_factory=list)
    patterns: list[PatternsResult] = field(default_factory=list)
    charts: list[ChartResult] = field(default_factory=list)
    comparison: CompareResult | None = None
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things the agents could not do at all (turn limit, sources this version lacks)."""

    @property
    def simulated(self) -> bool:
        return any(r.simulated for r in self._results())

    @property
    def replayed(self) -> bool:
        return any(source.startswith("replay:") for source, _ in self._stamps())

    def _results(
        self,
    ) -> list[PriceResult | IndicatorsResult | LevelsResult | PatternsResult | ChartResult]:
        return [*self.prices, *self.indicators, *self.levels, *self.patterns, *self.charts]

    def _stamps(self) -> list[tuple[str, str]]:
        stamps = [(p.quote.source, fmt.when(p.quote.as_of)) for p in self.prices]
        stamps += [
            (r.source, fmt.when(r.as_of)) for r in [*self.indicators, *self.levels, *self.patterns]
        ]
        stamps += [(c.source, fmt.when(c.as_of)) for c in self.charts]
        if self.comparison is not None:
            stamps += [(s.source, fmt.when(s.as_of)) for s in self.comparison.sources]
        return stamps

    def labels(self) -> tuple[str, ...]:
        return (
            *(("simulated",) if self.simulated else ()),
            *(("replay",) if self.replayed else ()),
        )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _title(intent: Intent, findings: Findings) -> str:
    names = [f"{c.name} ({c.symbol})" for c in intent.coins] + list(intent.unknown_coins)
    subject = " vs ".join(names) if intent.comparison else ", ".join(names)
    if intent.overview and not names:
        return "# Crypto market overview"
    kind = "technical analysis" if intent.technical else "comparison" if intent.comparison else ""
    kind = kind or ("chart" if intent.chart else "price")
    return f"# {subject}: {kind} ({intent.timeframe})" if kind != "price" else f"# {subject}: price"


def _coin(name: str, symbol: str) -> str:
    return symbol if name == symbol else f"{name} ({symbol})"


def _summary(findings: Findings) -> list[str]:
    lines: list[str] = []
    plain_prices = not findings.indicators and findings.comparison is None
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
            parts.append(f"latest pattern {last.label} ({last.bias}, {_ago(last.bars_ago)})")
        lines.append("- " + " · ".join(parts))
    if findings.comparison is not None:
        c = findings.comparison
        lines.append(f"- Over {c.period} ({c.timeframe}): best **{c.best}**, worst **{c.worst}**")
    return ["## Summary", "", *lines, ""] if lines else []


def _prices(findings: Findings) -> list[str]:
    if not findings.prices:
        return []
    rows = [
        (
            _coin(p.quote.name, p.quote.symbol),
            fmt.usd(p.quote.price_usd),
            fmt.pct(p.quote.change_24h_pct),
            fmt.price(p.quote.high_24h),
            fmt.price(p.quote.low_24h),
            fmt.compact_usd(p.quote.volume_24h),
        )
        for p in findings.prices
    ]
    header = ("Coin", "Price (USD)", "24h change", "24h high", "24h low", "24h volume")
    return ["## Prices", "", *_table(header, rows)]


def _ago(bars: int) -> str:
    if bars == 0:
        return "on the last candle"
    return f"{bars} candle ago" if bars == 1 else f"{bars} candles ago"


def _readings(ta: IndicatorsResult) -> dict[str, str]:
    t, m, v = ta.trend, ta.momentum, ta.volatility
    readings = {
        "sma50": f"price {fmt.pct(t.vs_sma50_pct)} vs SMA50",
        "sma200": f"price {fmt.pct(t.vs_sma200_pct)} vs SMA200",
        "rsi14": m.rsi_zone,
        "macd": f"{m.macd_cross} cross" if m.macd_cross != "none" else "",
        "atr14": f"{fmt.number(v.atr_pct)}% of price",
    }
    if ta.trend_strength is not None:
        ts = ta.trend_strength
        readings["adx"] = f"{ts.strength} trend, {ts.lead} lead"
    if ta.stochastic is not None and ta.stochastic.k_above_d is not None:
        readings["stoch_k"] = ta.stochastic.zone
        readings["stoch_d"] = "%K above %D" if ta.stochastic.k_above_d else "%K below %D"
    if ta.volume is not None:
        readings["obv"] = ta.volume.obv_direction
        readings["vwap"] = f"price {fmt.pct(ta.volume.vs_vwap_pct)} vs VWAP"
    return readings


def _extra_bullets(ta: IndicatorsResult) -> list[str]:
    out: list[str] = []
    if ta.trend_strength is not None:
        ts = ta.trend_strength
        out.append(
            f"- **Trend strength:** ADX14 {fmt.number(ts.adx)} ({ts.strength} trend); +DI14 "
            f"{fmt.number(ts.plus_di)} vs -DI14 {fmt.number(ts.minus_di)} ({ts.lead} lead)."
        )
    if ta.stochastic is not None:
        st = ta.stochastic
        out.append(f"- **Stochastic:** %K {fmt.number(st.k)}, %D {fmt.number(st.d)} ({st.zone}).")
    if ta.volume is not None:
        vol = ta.volume
        flow = [f"OBV {vol.obv_direction}"] if vol.obv is not None else []
        if vol.vwap is not None:
            flow.append(f"price {fmt.pct(vol.vs_vwap_pct)} vs VWAP {fmt.price(vol.vwap)}")
        out.append(f"- **Volume:** {'; '.join(flow)}.")
    return out


def _patterns(found: PatternsResult) -> list[str]:
    out = [f"### Candlestick patterns: {found.symbol} ({found.timeframe})", ""]
    if not found.patterns:
        return [*out, f"No candlestick pattern in the last {found.lookback} candles.", ""]
    out.append(
        f"{len(found.patterns)} patterns in the last {found.lookback} candles: "
        f"{found.bullish} bullish, {found.bearish} bearish, {found.neutral} neutral. "
        "Most recent first:"
    )
    out.append("")
    rows = [
        (fmt.when(p.time), p.label, p.bias, f"{p.strength:+d}", _ago(p.bars_ago))
        for p in reversed(found.patterns[-MAX_PATTERN_ROWS:])
    ]
    return out + _table(("Candle", "Pattern", "Bias", "TA-Lib score", "When"), rows)


def _technical(
    ta: IndicatorsResult, levels: LevelsResult | None, patterns: PatternsResult | None
) -> list[str]:
    t, m, v = ta.trend, ta.momentum, ta.volatility
    out = [f"## Technical analysis: {ta.symbol} ({ta.timeframe})", ""]
    rows: list[tuple[str, ...]] = [("Close", fmt.price(ta.close), "")]
    readings = _readings(ta)
    for name, value in ta.latest.items():
        rows.append((LABELS.get(name, name), fmt.number(value), readings.get(name, "")))
    out += _table(("Indicator", "Value", "Reading"), rows)
    out.append(
        f"- **Trend:** {t.direction} (SMA50 slope {fmt.pct(t.sma50_slope_pct)} over recent "
        "candles)."
    )
    out.append(
        f"- **Momentum:** RSI14 {fmt.number(m.rsi)} ({m.rsi_zone}); MACD histogram "
        f"{fmt.number(m.macd_hist)}."
    )
    out.append(
        f"- **Volatility:** ATR14 {fmt.number(v.atr)} ({fmt.number(v.atr_pct)}% of price), "
        f"annualised {fmt.number(v.annualized_pct)}%."
    )
    out.append(
        f"- **Window:** {ta.candles} candles, return {fmt.pct(ta.return_pct)}, max drawdown "
        f"{fmt.pct(ta.max_drawdown_pct)}."
    )
    out += _extra_bullets(ta)
    out.append("")
    if levels is not None:
        out += [f"### Key levels: {levels.symbol} ({levels.timeframe})", ""]
        if levels.levels:
            rows = [
                (str(lv.kind), fmt.price(lv.price), str(lv.touches), fmt.pct(lv.distance_pct))
                for lv in levels.levels
            ]
            out += _table(("Kind", "Price", "Touches", "Distance"), rows)
        else:
            out += ["No level with two or more touches in the window.", ""]
    if patterns is not None:
        out += _patterns(patterns)
    return out


def _comparison(c: CompareResult) -> list[str]:
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
    out += _table(header, rows)
    symbols = [a.symbol for a in c.assets]
    matrix = [
        (symbol, *(fmt.number(value) for value in row))
        for symbol, row in zip(symbols, c.correlation, strict=True)
    ]
    out += ["Correlation of returns:", "", *_table(("", *symbols), matrix)]
    return out


def _data(findings: Findings) -> list[str]:
    rows = [
        (f"{p.quote.symbol} price", p.quote.source, fmt.when(p.quote.as_of))
        for p in findings.prices
    ]
    rows += [
        (f"{r.symbol} {r.timeframe} indicators", r.source, fmt.when(r.as_of))
        for r in findings.indicators
    ]
    rows += [
        (f"{r.symbol} {r.timeframe} key levels", r.source, fmt.when(r.as_of))
        for r in findings.levels
    ]
    rows += [
        (f"{r.symbol} {r.timeframe} candlestick patterns", r.source, fmt.when(r.as_of))
        for r in findings.patterns
    ]
    rows += [
        (f"{c.symbol} {c.interval} chart", c.source, fmt.when(c.as_of)) for c in findings.charts
    ]
    if findings.comparison is not None:
        rows += [
            (f"{s.symbol} comparison candles", s.source, fmt.when(s.as_of))
            for s in findings.comparison.sources
        ]
    if not rows:
        return ["## Data", "", "No market data was retrieved.", ""]
    return ["## Data", "", *_table(("Value", "Source", "As of"), rows)]


def render_report(intent: Intent, findings: Findings) -> str:
    lines = [_title(intent, findings), ""]
    if findings.simulated:
        lines += [SIMULATED_WARNING, ""]
    if findings.replayed:
        lines += [REPLAY_WARNING, ""]
    lines += _summary(findings)
    lines += _prices(findings)
    if findings.comparison is not None:
        lines += _comparison(findings.comparison)
    for ta in findings.indicators:
        levels = next((r for r in findings.levels if r.coin_id == ta.coin_id), None)
        patterns = next((r for r in findings.patterns if r.coin_id == ta.coin_id), None)
        lines += _technical(ta, levels, patterns)
    for lv in findings.levels:
        if not any(ta.coin_id == lv.coin_id for ta in findings.indicators):
            lines += _technical_levels_only(lv)
    for found in findings.patterns:
        if not any(ta.coin_id == found.coin_id for ta in findings.indicators):
            lines += _patterns(found)
    if findings.charts:
        lines += ["## Charts", ""]
        lines += [
            f"- {c.title}: {', '.join(c.lines) or 'candles'}; {c.levels} levels and "
            f"{c.patterns} candlestick pattern markers drawn"
            for c in findings.charts
        ]
        lines.append("")
    if findings.failures or findings.notes:
        lines += ["## Missing data", ""]
        lines += [
            f"- {f.agent} could not run `{f.tool}` for {f.subject}: {f.error}"
            for f in findings.failures
        ]
        lines += [f"- {note}" for note in findings.notes]
        lines.append("")
    lines += _data(findings)
    lines += ["---", "", FOOTER, ""]
    return "\n".join(lines)


def _technical_levels_only(levels: LevelsResult) -> list[str]:
    rows = [
        (str(lv.kind), fmt.price(lv.price), str(lv.touches), fmt.pct(lv.distance_pct))
        for lv in levels.levels
    ]
    return [
        f"### Key levels: {levels.symbol} ({levels.timeframe})",
        "",
        *_table(("Kind", "Price", "Touches", "Distance"), rows),
    ]


def ask_for_coin(available: tuple[str, ...]) -> str:
    listed = ", ".join(available) if available else "none (no market data is configured)"
    return "\n".join(
        [
            "# Which coin?",
            "",
            "I could not tell which coin the question is about. Name one or more coins by "
            "symbol or name, e.g. “Analyze ETH on the 4h chart”, “Compare SOL and AVAX this "
            "month” or “What is the price of Bitcoin?”.",
            "",
            f"Coins available from the current market data source: {listed}.",
            "",
            "---",
            "",
            FOOTER,
            "",
        ]
    )
