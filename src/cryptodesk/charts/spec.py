"""The chart spec: JSON the browser draws with lightweight-charts (and render.py as PNG)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict

from cryptodesk.analysis.compare import PerformanceLines
from cryptodesk.analysis.indicators import LABELS
from cryptodesk.analysis.levels import Level, LevelKind
from cryptodesk.analysis.patterns import PatternHit
from cryptodesk.domain import format as fmt
from cryptodesk.market.ohlcv import FloatArray, IntArray, Ohlcv
from cryptodesk.market.schemas import Candles, Timeframe

_OVERLAY_PREFIXES = ("sma", "ema", "bb_", "vwap")
_PANES: Mapping[str, tuple[str, ...]] = {
    "RSI14": ("rsi14",),
    "MACD": ("macd", "macd_signal", "macd_hist"),
    "Stochastic": ("stoch_k", "stoch_d"),
    "ADX14": ("adx", "plus_di", "minus_di"),
    "ATR14": ("atr14",),
    "OBV": ("obv",),
}
_PANE_GUIDES: Mapping[str, tuple[float, ...]] = {
    "RSI14": (30.0, 70.0),
    "MACD": (0.0,),
    "Stochastic": (20.0, 80.0),
    "ADX14": (20.0, 25.0),
}
SYMBOL_CHARS = 64
"""The longest `symbol` a chart is stored with (a comparison's "BTC vs ETH vs ...")."""
MAX_MARKERS = 10
"""MACD cross markers kept, the most recent ones."""
MAX_PATTERN_MARKERS = 30
"""Candlestick pattern markers kept, the most recent ones."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChartCandle(_Frozen):
    time: int
    """Open time, epoch seconds."""
    open: float
    high: float
    low: float
    close: float
    volume: float


class ChartPoint(_Frozen):
    time: int
    value: float


class ChartLine(_Frozen):
    name: str
    values: tuple[ChartPoint, ...]
    style: Literal["line", "histogram"] = "line"


class ChartPane(_Frozen):
    name: str
    series: tuple[ChartLine, ...]
    guides: tuple[float, ...] = ()
    """Horizontal reference lines, e.g. RSI 30 and 70."""


class ChartLevel(_Frozen):
    price: float
    kind: LevelKind
    touches: int
    label: str


class ChartMarker(_Frozen):
    time: int
    position: Literal["above", "below"]
    shape: Literal["arrow_up", "arrow_down", "circle"]
    text: str


class ChartSpec(_Frozen):
    kind: Literal["price", "comparison"] = "price"
    """`price`: one coin's candles with overlays, panes, levels and markers. `comparison`: no
    candles; `overlays` are one line per coin of percent change from the window's start (named by
    symbol, time in epoch seconds), `panes` may hold the price ratio of two coins."""
    symbol: str
    interval: Timeframe
    title: str
    source: str
    as_of: AwareDatetime
    simulated: bool
    candles: tuple[ChartCandle, ...]
    overlays: tuple[ChartLine, ...] = ()
    panes: tuple[ChartPane, ...] = ()
    levels: tuple[ChartLevel, ...] = ()
    markers: tuple[ChartMarker, ...] = ()


def _line(name: str, times: IntArray, values: FloatArray) -> ChartLine:
    keep = ~np.isnan(values)
    points = tuple(
        ChartPoint(time=t, value=v)
        for t, v in zip(times[keep].tolist(), values[keep].tolist(), strict=True)
    )
    style: Literal["line", "histogram"] = "histogram" if name == "macd_hist" else "line"
    return ChartLine(name=LABELS.get(name, name), values=points, style=style)


def _macd_markers(times: IntArray, hist: FloatArray) -> tuple[ChartMarker, ...]:
    markers: list[ChartMarker] = []
    for i in range(1, hist.shape[0]):
        before, now = hist[i - 1], hist[i]
        if np.isnan(before) or np.isnan(now):
            continue
        if before <= 0 < now:
            markers.append(
                ChartMarker(
                    time=int(times[i]),
                    position="below",
                    shape="arrow_up",
                    text="MACD bullish cross",
                )
            )
        elif before >= 0 > now:
            markers.append(
                ChartMarker(
                    time=int(times[i]),
                    position="above",
                    shape="arrow_down",
                    text="MACD bearish cross",
                )
            )
    return tuple(markers[-MAX_MARKERS:])


def pattern_marker(hit: PatternHit) -> ChartMarker:
    """Bullish patterns point up from below the candle, bearish down from above; neutral: a dot."""
    if hit.bias == "bullish":
        return ChartMarker(time=hit.time, position="below", shape="arrow_up", text=hit.label)
    if hit.bias == "bearish":
        return ChartMarker(time=hit.time, position="above", shape="arrow_down", text=hit.label)
    return ChartMarker(time=hit.time, position="above", shape="circle", text=hit.label)


def build_chart_spec(
    candles: Candles,
    lines: Mapping[str, FloatArray],
    levels: Sequence[Level] = (),
    *,
    title: str | None = None,
    patterns: Sequence[PatternHit] = (),
) -> ChartSpec:
    """A chart of `candles` with indicator `lines` (as from `indicators.compute`), levels and
    candlestick `patterns` (as from `patterns.detect` on the same candles) as markers.

    Lines must be aligned with the candles (same length).
    """
    series = Ohlcv.from_candles(candles)
    times = series.time
    for name, values in lines.items():
        if values.shape[0] != len(series):
            raise ValueError(f"indicator {name} has {values.shape[0]} values for {len(series)}")
    overlays = tuple(
        _line(name, times, values)
        for name, values in lines.items()
        if name.startswith(_OVERLAY_PREFIXES)
    )
    panes = tuple(
        ChartPane(
            name=pane,
            series=tuple(_line(name, times, lines[name]) for name in names if name in lines),
            guides=_PANE_GUIDES.get(pane, ()),
        )
        for pane, names in _PANES.items()
        if any(name in lines for name in names)
    )
    markers = _macd_markers(times, lines["macd_hist"]) if "macd_hist" in lines else ()
    known = set(times.tolist())
    pattern_markers = tuple(pattern_marker(hit) for hit in patterns if hit.time in known)
    # Markers go in time order, as lightweight-charts requires; the sort is stable.
    markers = tuple(
        sorted((*markers, *pattern_markers[-MAX_PATTERN_MARKERS:]), key=lambda m: m.time)
    )
    suffix = " (simulated)" if candles.simulated else ""
    return ChartSpec(
        symbol=candles.symbol,
        interval=candles.timeframe,
        title=title or f"{candles.symbol} {candles.timeframe}{suffix}",
        source=candles.source,
        as_of=candles.as_of,
        simulated=candles.simulated,
        candles=tuple(
            ChartCandle(
                time=int(t), open=c.open, high=c.high, low=c.low, close=c.close, volume=c.volume
            )
            for t, c in zip(times.tolist(), candles.candles, strict=True)
        ),
        overlays=overlays,
        panes=panes,
        levels=tuple(
            ChartLevel(
                price=level.price,
                kind=level.kind,
                touches=level.touches,
                label=f"{level.kind} {fmt.price(level.price)} ({level.touches} touches)",
            )
            for level in levels
        ),
        markers=markers,
    )


def build_comparison_spec(
    lines: PerformanceLines,
    *,
    interval: Timeframe,
    title: str,
    source: str,
    as_of: datetime,
    simulated: bool,
) -> ChartSpec:
    """A `comparison` chart: one line per coin of percent change from the first common candle,
    and a pane with the price ratio of the first coin to the second."""
    times = lines.time
    return ChartSpec(
        kind="comparison",
        symbol=fmt.clip(" vs ".join(lines.change_pct), SYMBOL_CHARS),
        interval=interval,
        title=title,
        source=source,
        as_of=as_of,
        simulated=simulated,
        candles=(),
        overlays=tuple(_line(symbol, times, values) for symbol, values in lines.change_pct.items()),
        panes=(
            ChartPane(
                name=f"Ratio {lines.ratio_name}",
                series=(_line(lines.ratio_name, times, lines.ratio),),
            ),
        ),
    )
