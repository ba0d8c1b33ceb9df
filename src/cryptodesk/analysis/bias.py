"""The bias of an outlook: weighted readings, each leaning bullish, bearish or neutral.

Score = Σ weight · lean / Σ weight over the signals kept (lean +1 bullish, -1 bearish, 0
neutral). A score from +`BIAS_THRESHOLD` up is bullish, from -`BIAS_THRESHOLD` down bearish,
neutral between; the strength is |score| (1 when every signal agrees).

| signal     | weight | leans                                                                  |
| ---------- | ------ | ---------------------------------------------------------------------- |
| trend      | 0.30   | with the trend (price vs SMA50/SMA200, SMA50 slope, window return)    |
| macd       | 0.20   | above signal and histogram rising: bullish; below and falling: bearish |
| rsi        | 0.15   | 55-70 bullish, 30-45 bearish; overbought (≥70) bearish, oversold bullish |
| confluence | 0.15   | with the trend of the timeframe above                                  |
| divergence | 0.15   | with a current regular RSI or MACD divergence                          |
| adx        | 0.10   | with the leading side (+DI/-DI) when ADX ≥ 25, else neutral            |

At most `MAX_SIGNALS` signals are kept (the heaviest); trend, MACD and RSI always are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptodesk.analysis.divergence import Divergence
from cryptodesk.analysis.momentum import Momentum, macd_reading
from cryptodesk.analysis.signals import OVERBOUGHT, OVERSOLD, STRONG_TREND_ADX, TrendStrength
from cryptodesk.analysis.trend import Trend, TrendDirection
from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import Bias, OutlookSignal

BIAS_THRESHOLD = 0.2
MAX_SIGNALS = 5
WEIGHTS: Mapping[str, float] = {
    "trend": 0.30,
    "macd": 0.20,
    "rsi": 0.15,
    "confluence": 0.15,
    "divergence": 0.15,
    "adx": 0.10,
}
RSI_BULLISH = 55.0
RSI_BEARISH = 45.0
_LEAN = {"bullish": 1, "bearish": -1, "neutral": 0}
_TREND_LEAN: Mapping[TrendDirection, Bias] = {
    "uptrend": "bullish",
    "downtrend": "bearish",
    "sideways": "neutral",
    "undetermined": "neutral",
}

Citation = tuple[str, str | None]
"""The tool name and call id a signal's value came from."""


@dataclass(frozen=True, slots=True)
class TimeframeTrend:
    """The trend of a neighbouring timeframe, for confluence."""

    timeframe: str
    direction: TrendDirection
    return_pct: float | None
    note: str | None = None
    """Why the trend is missing or undetermined (no data, too few candles)."""


@dataclass(frozen=True, slots=True)
class Readings:
    trend: Trend
    momentum: Momentum
    strength: TrendStrength | None = None
    divergence: Divergence | None = None
    higher: TimeframeTrend | None = None
    lower: TimeframeTrend | None = None


def _trend(t: Trend) -> tuple[Bias, float | None, str]:
    lean = _TREND_LEAN[t.direction]
    sign = {"bullish": 1, "bearish": -1, "neutral": 0}[lean]
    parts: list[tuple[float | None, str]] = []
    if t.return_pct is not None:
        parts.append((t.return_pct, f"{fmt.pct(t.return_pct)} over the window"))
    if t.vs_sma200_pct is not None:
        parts.append((t.vs_sma200_pct, f"price {fmt.pct(t.vs_sma200_pct)} vs SMA200"))
    elif t.vs_sma50_pct is not None:
        parts.append((t.vs_sma50_pct, f"price {fmt.pct(t.vs_sma50_pct)} vs SMA50"))
    else:
        parts.append((None, "too few candles for SMA50"))
    # What agrees with the direction first; what goes against it is named as such.
    agree = [text for value, text in parts if not sign or value is None or value * sign >= 0]
    against = [text for value, text in parts if sign and value is not None and value * sign < 0]
    detail = ", ".join(agree)
    if against:
        detail += (", though " if detail else "despite ") + " and ".join(against)
    return lean, t.return_pct, f"{t.direction}: {detail}"


def _rsi(m: Momentum) -> tuple[Bias, float | None, str] | None:
    if m.rsi is None:
        return None
    value = fmt.number(m.rsi)
    if m.rsi >= OVERBOUGHT:
        return "bearish", m.rsi, f"RSI14 {value}: overbought, stretched after the rise"
    if m.rsi <= OVERSOLD:
        return "bullish", m.rsi, f"RSI14 {value}: oversold, stretched after the fall"
    if m.rsi >= RSI_BULLISH:
        return "bullish", m.rsi, f"RSI14 {value}: bullish momentum"
    if m.rsi <= RSI_BEARISH:
        return "bearish", m.rsi, f"RSI14 {value}: bearish momentum"
    return "neutral", m.rsi, f"RSI14 {value}: neutral"


def _macd(m: Momentum) -> tuple[Bias, float | None, str] | None:
    if m.macd_hist is None:
        return None
    lean: Bias = "neutral"
    if m.macd_position == "above" and m.hist_slope == "rising":
        lean = "bullish"
    elif m.macd_position == "below" and m.hist_slope == "falling":
        lean = "bearish"
    return lean, m.macd_hist, macd_reading(m)


def _adx(s: TrendStrength | None) -> tuple[Bias, float | None, str] | None:
    if s is None or s.adx is None:
        return None
    value = fmt.number(s.adx)
    if s.adx >= STRONG_TREND_ADX and s.lead != "undetermined":
        lean: Bias = "bullish" if s.lead == "bulls" else "bearish"
        return lean, s.adx, f"ADX14 {value}: strong trend, {s.lead} lead"
    return "neutral", s.adx, f"ADX14 {value}: {s.strength} trend, no directional push"


def _divergence(d: Divergence | None) -> tuple[Bias, float | None, str] | None:
    if d is None:
        return None
    swing = "higher high" if d.kind == "bearish" else "lower low"
    turn = "lower high" if d.kind == "bearish" else "higher low"
    ago = "on the last swing" if d.bars_ago == 0 else f"swing {d.bars_ago} candles ago"
    return (
        d.kind,
        d.value_second,
        f"{d.kind} {d.indicator} divergence: price made a {swing} "
        f"({fmt.price(d.price_first)} → {fmt.price(d.price_second)}), {d.indicator} a {turn} "
        f"({fmt.number(d.value_first)} → {fmt.number(d.value_second)}; {ago})",
    )


def _confluence(
    higher: TimeframeTrend | None, lower: TimeframeTrend | None
) -> tuple[Bias, float | None, str] | None:
    if higher is None or higher.direction == "undetermined":
        return None
    parts = [f"{higher.timeframe} {higher.direction}"]
    if lower is not None:
        parts.append(
            f"{lower.timeframe} {lower.direction}"
            if lower.direction != "undetermined"
            else f"{lower.timeframe} {lower.note or 'undetermined'}"
        )
    return _TREND_LEAN[higher.direction], higher.return_pct, "; ".join(parts)


def weigh(
    readings: Readings, cite: Mapping[str, Citation]
) -> tuple[Bias, float, tuple[OutlookSignal, ...]]:
    """The bias, its strength and the signals behind it (heaviest first).

    `cite` maps a signal name to the tool call its value came from.
    """
    candidates = {
        "trend": _trend(readings.trend),
        "macd": _macd(readings.momentum),
        "rsi": _rsi(readings.momentum),
        "confluence": _confluence(readings.higher, readings.lower),
        "divergence": _divergence(readings.divergence),
        "adx": _adx(readings.strength),
    }
    present = [(name, reading) for name, reading in candidates.items() if reading is not None]
    kept = present[:MAX_SIGNALS]  # WEIGHTS' order is heaviest first
    signals = tuple(
        OutlookSignal(
            name=name,
            value=value,
            reading=text,
            lean=lean,
            weight=WEIGHTS[name],
            tool_name=cite[name][0],
            call_id=cite[name][1],
        )
        for name, (lean, value, text) in kept
    )
    total = sum(s.weight for s in signals)
    score = sum(s.weight * _LEAN[s.lean] for s in signals) / total if total else 0.0
    bias: Bias = (
        "bullish"
        if score >= BIAS_THRESHOLD
        else "bearish"
        if score <= -BIAS_THRESHOLD
        else "neutral"
    )
    return bias, round(min(abs(score), 1.0), 2), signals
