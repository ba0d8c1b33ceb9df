"""A chart spec drawn as a PNG with matplotlib (Agg, no GUI): the image the API serves.

Rendering is CPU-bound and blocking: call it from a thread (`charts.images` does). matplotlib is
imported on first use so that importing this module, and starting the server, stays cheap.
"""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptodesk.charts.spec import ChartLine, ChartSpec
from cryptodesk.domain import format as fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIMULATED_LABEL = "SIMULATED DATA"
REPLAY_LABEL = "REPLAY"
WIDTH_IN = 12.0
DPI = 100
_UP, _DOWN = "#26a69a", "#ef5350"
_SUPPORT, _RESISTANCE = "#2e7d32", "#c62828"
_TICKS = 8
# matplotlib's global state (font cache, rcParams) is not thread-safe: one render at a time.
_LOCK = threading.Lock()


def data_label(spec: ChartSpec) -> str | None:
    """What the watermark says: simulated data or replayed history; None for live data."""
    if spec.simulated:
        return SIMULATED_LABEL
    if spec.source.startswith("replay:"):
        return REPLAY_LABEL
    return None


def footer(spec: ChartSpec) -> str:
    as_of = spec.as_of.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Source: {spec.source} | as of {as_of} | {spec.symbol} {spec.interval}"


def _tick_label(epoch_s: int, intraday: bool) -> str:
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%m-%d %H:%M" if intraday else "%Y-%m-%d")


def _xy(line: ChartLine, position: dict[int, int]) -> tuple[list[int], list[float]]:
    points = [(position[p.time], p.value) for p in line.values if p.time in position]
    return [x for x, _ in points], [y for _, y in points]


def _title(figure: Figure, spec: ChartSpec) -> str | None:
    """Title (with the data label) and footer; returns the watermark label, if any."""
    label = data_label(spec)
    title = spec.title if label is None else f"{spec.title}  [{label}]"
    figure.suptitle(title, fontsize=12, color="#b71c1c" if spec.simulated else "black")
    figure.text(0.01, 0.01, footer(spec), fontsize=8, color="#616161")
    return label


def _draw_candles(price: Axes, volume: Axes, spec: ChartSpec) -> None:
    candles = spec.candles
    xs = list(range(len(candles)))
    colors = [_UP if c.close >= c.open else _DOWN for c in candles]
    span = max(c.high for c in candles) - min(c.low for c in candles)
    # A doji has no body; give it a hairline one so it stays visible.
    heights = [max(abs(c.close - c.open), span * 0.001) for c in candles]
    price.vlines(xs, [c.low for c in candles], [c.high for c in candles], colors=colors, lw=0.7)
    price.bar(xs, heights, bottom=[min(c.open, c.close) for c in candles], width=0.6, color=colors)
    volume.bar(xs, [c.volume for c in candles], width=0.6, color=colors, alpha=0.5)
    volume.set_ylabel("Volume", fontsize=8)


def _draw_levels(price: Axes, spec: ChartSpec) -> None:
    for level in spec.levels:
        color = _SUPPORT if level.kind == "support" else _RESISTANCE
        price.axhline(level.price, color=color, linestyle="--", linewidth=0.8, alpha=0.8)
        price.text(
            1.002,
            level.price,
            fmt.price(level.price),
            transform=price.get_yaxis_transform(),
            fontsize=7,
            color=color,
            va="center",
        )


def _draw_markers(price: Axes, spec: ChartSpec, position: dict[int, int]) -> None:
    candles = spec.candles
    offset = (max(c.high for c in candles) - min(c.low for c in candles)) * 0.02
    stacked: dict[tuple[int, str], int] = {}
    for marker in spec.markers:
        x = position.get(marker.time)
        if x is None:
            continue
        # Several markers on one candle stack away from it instead of overprinting.
        depth = stacked.get((x, marker.position), 0)
        stacked[(x, marker.position)] = depth + 1
        gap = offset * (1 + 2.2 * depth)
        if marker.position == "below":
            y, va, style = candles[x].low - gap, "top", "^"
        else:
            y, va, style = candles[x].high + gap, "bottom", "v"
        if marker.shape == "circle":
            style = "o"
        color = {"arrow_up": _UP, "arrow_down": _DOWN}.get(marker.shape, "#607d8b")
        price.scatter([x], [y], marker=style, color=color, s=28, zorder=5)
        shift = -offset if va == "top" else offset
        price.text(x, y + shift, marker.text, fontsize=6, color=color, ha="center", va=va)


def _draw_panes(axes: list[Axes], spec: ChartSpec, position: dict[int, int]) -> None:
    for ax, pane in zip(axes, spec.panes, strict=True):
        for guide in pane.guides:
            ax.axhline(guide, color="#9e9e9e", linestyle=":", linewidth=0.8)
        for line in pane.series:
            xs, ys = _xy(line, position)
            if line.style == "histogram":
                ax.bar(xs, ys, width=0.6, color=[_UP if y >= 0 else _DOWN for y in ys], alpha=0.6)
            else:
                ax.plot(xs, ys, linewidth=0.9, label=line.name)
        ax.set_ylabel(pane.name, fontsize=8)
        if len(pane.series) > 1:
            ax.legend(loc="upper left", fontsize=6, frameon=False, ncol=len(pane.series))


def _time_axis(axes: list[Axes], times: list[int]) -> None:
    n = len(times)
    intraday = n > 1 and times[1] - times[0] < 86_400
    ticks = sorted({round(i * (n - 1) / (_TICKS - 1)) for i in range(_TICKS)})
    axes[-1].set_xticks(ticks, [_tick_label(times[i], intraday) for i in ticks])
    for ax in axes:
        ax.grid(alpha=0.2)
        ax.tick_params(labelsize=7)
        ax.set_xlim(-1, n)


def _comparison_figure(spec: ChartSpec, figure: Figure) -> Figure:
    """Percent change from the window's start per coin, the ratio pane below."""
    ratios = [4.0] + [1.4] * len(spec.panes)
    figure.set_size_inches(WIDTH_IN, 1.0 + 0.9 * sum(ratios))
    axes = list(
        figure.subplots(
            len(ratios),
            1,
            sharex=True,
            squeeze=False,
            gridspec_kw={"height_ratios": ratios, "hspace": 0.06},
        )[:, 0]
    )
    times = sorted({p.time for line in spec.overlays for p in line.values})
    if not times:
        axes[0].text(0.5, 0.5, "No common candles", transform=axes[0].transAxes, ha="center")
        return figure
    position = {t: i for i, t in enumerate(times)}
    change = axes[0]
    change.axhline(0.0, color="#9e9e9e", linestyle=":", linewidth=0.8)
    for line in spec.overlays:
        xs, ys = _xy(line, position)
        change.plot(xs, ys, linewidth=1.1, label=line.name)
        if ys:
            change.text(
                xs[-1] + 0.5, ys[-1], f"{line.name} {fmt.pct(ys[-1])}", fontsize=7, va="center"
            )
    change.set_ylabel("Change from start (%)", fontsize=8)
    change.legend(loc="upper left", fontsize=7, frameon=False, ncol=min(len(spec.overlays), 6))
    _draw_panes(axes[1:], spec, position)
    _time_axis(axes, times)
    return figure


def build_figure(spec: ChartSpec) -> Figure:
    """The chart as a matplotlib figure: candles, volume, overlays, levels, markers, panes; for a
    comparison, the coins' percent change lines and the ratio pane."""
    from matplotlib.figure import Figure

    if spec.kind == "comparison":
        figure = Figure(figsize=(WIDTH_IN, 6.0), dpi=DPI)
        figure.subplots_adjust(left=0.06, right=0.9, top=0.94, bottom=0.07)
        _title(figure, spec)
        return _comparison_figure(spec, figure)
    ratios = [4.0, 1.0] + [1.4] * len(spec.panes)
    figure = Figure(figsize=(WIDTH_IN, 1.0 + 0.9 * sum(ratios)), dpi=DPI)
    axes = list(
        figure.subplots(
            len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios, "hspace": 0.06}
        )
    )
    figure.subplots_adjust(left=0.06, right=0.93, top=0.94, bottom=0.07)
    price, volume = axes[0], axes[1]
    label = _title(figure, spec)
    if label is not None:
        price.text(
            0.5,
            0.5,
            label,
            transform=price.transAxes,
            fontsize=44,
            color="#b71c1c" if spec.simulated else "#546e7a",
            alpha=0.18,
            ha="center",
            va="center",
            rotation=15,
            zorder=0,
        )
    if not spec.candles:
        price.text(0.5, 0.3, "No candles", transform=price.transAxes, ha="center")
        return figure
    position = {c.time: i for i, c in enumerate(spec.candles)}
    _draw_candles(price, volume, spec)
    for line in spec.overlays:
        xs, ys = _xy(line, position)
        price.plot(xs, ys, linewidth=0.9, label=line.name)
    if spec.overlays:
        price.legend(loc="upper left", fontsize=7, frameon=False, ncol=min(len(spec.overlays), 6))
    _draw_levels(price, spec)
    _draw_markers(price, spec, position)
    _draw_panes(axes[2:], spec, position)
    _time_axis(axes, [c.time for c in spec.candles])
    return figure


def render_png(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes. Blocking and CPU-bound: run it off the event loop."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _LOCK:
        figure = build_figure(spec)
        FigureCanvasAgg(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
