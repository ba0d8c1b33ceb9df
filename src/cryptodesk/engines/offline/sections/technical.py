"""Report sections of the technical tools: indicators, key levels, candlestick patterns."""

from __future__ import annotations

from itertools import groupby

from cryptodesk.analysis.indicators import LABELS
from cryptodesk.analysis.momentum import macd_reading
from cryptodesk.domain import format as fmt
from cryptodesk.engines.offline.findings import Findings
from cryptodesk.engines.offline.sections.common import table
from cryptodesk.tools.technical import (
    IndicatorsResult,
    LevelsResult,
    PatternFound,
    PatternsResult,
)

MAX_PATTERN_ROWS = 8
"""Most recent candles with patterns listed per coin; the counts cover them all."""
_TREND_WORDS = {
    "uptrend": "an uptrend",
    "downtrend": "a downtrend",
    "sideways": "sideways",
    "undetermined": "undetermined (too few candles)",
}


def _readings(ta: IndicatorsResult) -> dict[str, str]:
    t, m, v = ta.trend, ta.momentum, ta.volatility
    readings = {
        "sma50": f"price {fmt.pct(t.vs_sma50_pct)} vs SMA50",
        "sma200": f"price {fmt.pct(t.vs_sma200_pct)} vs SMA200",
        "rsi14": m.rsi_zone,
        "macd": f"{m.macd_position} signal" if m.macd_position != "undetermined" else "",
        "macd_hist": f"{m.hist_slope}" if m.hist_slope != "undetermined" else "",
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


def _on_candle(found: list[PatternFound]) -> str:
    return ", ".join(f"{p.label} ({p.bias}, {p.strength:+d})" for p in found)


def patterns(found: PatternsResult) -> list[str]:
    out = [f"### Candlestick patterns: {found.symbol} ({found.timeframe})", ""]
    if not found.patterns:
        return [*out, f"No candlestick pattern on the last {found.lookback} candles.", ""]
    candles = [
        (bars_ago, list(hits))
        for bars_ago, hits in groupby(reversed(found.patterns), key=lambda p: p.bars_ago)
    ]
    noun = "pattern" if len(found.patterns) == 1 else "patterns"
    where = "candle" if len(candles) == 1 else "candles"
    out.append(
        f"{len(found.patterns)} {noun} on {len(candles)} of the last {found.lookback} {where}: "
        f"{found.bullish} bullish, {found.bearish} bearish, {found.neutral} neutral. "
        "Most recent first:"
    )
    out.append("")
    rows = [
        (fmt.candles_ago(bars_ago).capitalize(), fmt.when(hits[0].time), _on_candle(hits))
        for bars_ago, hits in candles[:MAX_PATTERN_ROWS]
    ]
    return out + table(("When", "Candle", "Patterns (bias, TA-Lib score)"), rows)


def levels(found: LevelsResult) -> list[str]:
    out = [f"### Key levels: {found.symbol} ({found.timeframe})", ""]
    if not found.levels:
        return [*out, "No level with two or more touches in the window.", ""]
    rows = [
        (str(lv.kind), fmt.price(lv.price), str(lv.touches), fmt.pct(lv.distance_pct))
        for lv in found.levels
    ]
    return out + table(("Kind", "Price", "Touches", "Distance"), rows)


def _analysis(
    ta: IndicatorsResult, found_levels: LevelsResult | None, found: PatternsResult | None
) -> list[str]:
    t, m, v = ta.trend, ta.momentum, ta.volatility
    out = [f"## Technical analysis: {ta.symbol} ({ta.timeframe})", ""]
    rows: list[tuple[str, ...]] = [("Close", fmt.price(ta.close), "")]
    readings = _readings(ta)
    for name, value in ta.latest.items():
        rows.append((LABELS.get(name, name), fmt.number(value), readings.get(name, "")))
    out += table(("Indicator", "Value", "Reading"), rows)
    slope = f", SMA50 slope {fmt.pct(t.sma50_slope_pct)}" if t.sma50_slope_pct is not None else ""
    out.append(
        f"- **Trend:** {_TREND_WORDS[t.direction]} on {ta.timeframe} ({fmt.pct(t.return_pct)} "
        f"over the window{slope}; of the trend readings {t.up_votes} point up, {t.down_votes} "
        "down)."
    )
    out.append(f"- **Momentum:** RSI14 {fmt.number(m.rsi)} ({m.rsi_zone}); {macd_reading(m)}.")
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
    if found_levels is not None:
        out += levels(found_levels)
    if found is not None:
        out += patterns(found)
    return out


def technical(findings: Findings) -> list[str]:
    """Per coin: indicators with their readings, then its levels and patterns."""
    lines: list[str] = []
    for ta in findings.indicators:
        lv = next((r for r in findings.levels if r.coin_id == ta.coin_id), None)
        found = next((r for r in findings.patterns if r.coin_id == ta.coin_id), None)
        lines += _analysis(ta, lv, found)
    analysed = {ta.coin_id for ta in findings.indicators}
    for lv in findings.levels:
        if lv.coin_id not in analysed:
            lines += levels(lv)
    for found in findings.patterns:
        if found.coin_id not in analysed:
            lines += patterns(found)
    return lines
