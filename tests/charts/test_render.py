from __future__ import annotations

import asyncio
from pathlib import Path

from cryptodesk.analysis.compare import AssetSeries, common_times, performance_lines
from cryptodesk.analysis.levels import find_levels
from cryptodesk.charts.render import (
    DPI,
    REPLAY_LABEL,
    SIMULATED_LABEL,
    WIDTH_IN,
    build_figure,
    render_png,
)
from cryptodesk.charts.spec import ChartSpec, build_chart_spec, build_comparison_spec
from cryptodesk.domain import format as fmt
from cryptodesk.market.ohlcv import FloatArray, IntArray, Ohlcv
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.schemas import Candles
from tests.charts.png import SIGNATURE, png_size


def _texts(spec: ChartSpec) -> list[str]:
    figure = build_figure(spec)
    texts = [t.get_text() for t in figure.texts]
    texts += [t.get_text() for ax in figure.axes for t in ax.texts]
    return texts


def test_render_png_is_a_png_of_the_chart_width(replay_spec: ChartSpec) -> None:
    image = render_png(replay_spec)
    assert image.startswith(SIGNATURE)
    width, height = png_size(image)
    assert width == WIDTH_IN * DPI
    assert 800 <= height <= 2000


def test_render_png_grows_with_the_panes(replay_spec: ChartSpec) -> None:
    bare = replay_spec.model_copy(update={"panes": ()})
    assert png_size(render_png(bare))[1] < png_size(render_png(replay_spec))[1]


def test_render_draws_a_subplot_per_pane_below_price_and_volume(replay_spec: ChartSpec) -> None:
    figure = build_figure(replay_spec)
    labels = [ax.get_ylabel() for ax in figure.axes]
    assert labels == ["", "Volume", "RSI14", "MACD", "Stochastic", "ADX14", "OBV"]


def test_render_draws_overlays_levels_and_markers_on_the_price_axes(
    replay_spec: ChartSpec,
) -> None:
    price = build_figure(replay_spec).axes[0]
    legend = [t.get_text() for t in price.get_legend().get_texts()]
    assert legend == [o.name for o in replay_spec.overlays]
    texts = [t.get_text() for t in price.texts]
    assert all(fmt.price(level.price) in texts for level in replay_spec.levels)
    assert replay_spec.markers and all(m.text in texts for m in replay_spec.markers)


def test_render_labels_replayed_data(replay_spec: ChartSpec) -> None:
    texts = _texts(replay_spec)
    assert REPLAY_LABEL in texts
    assert SIMULATED_LABEL not in texts


def test_render_labels_simulated_data(demo_spec: ChartSpec) -> None:
    texts = _texts(demo_spec)
    assert SIMULATED_LABEL in texts
    assert build_figure(demo_spec).get_suptitle().endswith(f"[{SIMULATED_LABEL}]")


def test_render_has_no_data_label_for_live_data(replay_spec: ChartSpec) -> None:
    live = replay_spec.model_copy(update={"source": "coingecko"})
    texts = _texts(live)
    assert REPLAY_LABEL not in texts and SIMULATED_LABEL not in texts


def test_render_footer_names_source_and_as_of(replay_spec: ChartSpec) -> None:
    as_of = replay_spec.as_of.strftime("%Y-%m-%d %H:%M UTC")
    footers = [t for t in _texts(replay_spec) if t.startswith("Source:")]
    assert footers == [
        f"Source: {replay_spec.source} | as of {as_of} | {replay_spec.symbol} "
        f"{replay_spec.interval}"
    ]


def test_render_copes_with_a_chart_without_candles(demo_spec: ChartSpec) -> None:
    empty = demo_spec.model_copy(update={"candles": (), "panes": (), "markers": ()})
    assert png_size(render_png(empty))[0] == WIDTH_IN * DPI


async def test_render_in_threads_gives_the_same_image(replay_spec: ChartSpec) -> None:
    first, second = await asyncio.gather(
        asyncio.to_thread(render_png, replay_spec), asyncio.to_thread(render_png, replay_spec)
    )
    assert first == second


async def test_render_labels_a_low_priced_coins_levels_with_their_digits(
    shared_market_dir: Path,
) -> None:
    """DOGE's levels read 0.07170 and 0.07285, not 0.07 and 0.07 (nor 0.11/0.12)."""
    candles = await ReplayProvider(shared_market_dir / "binance_spot_1h").get_ohlc(
        "dogecoin", "4h", 300
    )
    series = Ohlcv.from_candles(candles)
    spec = build_chart_spec(candles, {}, find_levels(series.high, series.low, series.close))
    texts = [t.get_text() for t in build_figure(spec).axes[0].texts]
    labels = [fmt.price(level.price) for level in spec.levels]
    assert labels and all(label in texts for label in labels)
    assert len(set(labels)) == len(labels), "distinct levels read as distinct numbers"
    assert all(f"{fmt.price(lv.price)} (" in lv.label for lv in spec.levels)


async def test_render_draws_a_comparison_as_percent_lines_and_a_ratio_pane(
    shared_market_dir: Path,
) -> None:
    provider = ReplayProvider(shared_market_dir / "binance_spot_1h")
    fetched = [await provider.get_ohlc(coin, "4h", 181) for coin in ("solana", "avalanche-2")]
    series = [AssetSeries(c.symbol, *_closes(c)) for c in fetched]
    lines = performance_lines(series, common_times(series))
    spec = build_comparison_spec(
        lines,
        interval="4h",
        title="SOL vs AVAX",
        source="replay",
        as_of=fetched[0].as_of,
        simulated=False,
    )
    figure = build_figure(spec)
    change, ratio = figure.axes
    assert [t.get_text() for t in change.get_legend().get_texts()] == ["SOL", "AVAX"]
    assert ratio.get_ylabel() == "Ratio SOL/AVAX"
    last = fmt.pct(float(lines.change_pct["SOL"][-1]))
    assert f"SOL {last}" in [t.get_text() for t in change.texts]
    assert png_size(render_png(spec))[0] == WIDTH_IN * DPI


def _closes(candles: Candles) -> tuple[IntArray, FloatArray]:
    series = Ohlcv.from_candles(candles)
    return series.time, series.close
