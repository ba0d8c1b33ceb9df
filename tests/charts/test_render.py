from __future__ import annotations

import asyncio

from cryptodesk.charts.render import (
    DPI,
    REPLAY_LABEL,
    SIMULATED_LABEL,
    WIDTH_IN,
    build_figure,
    render_png,
)
from cryptodesk.charts.spec import ChartSpec
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
    assert all(f"{level.price:,.2f}" in texts for level in replay_spec.levels)
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
