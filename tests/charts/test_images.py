from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from cryptodesk.charts.images import ChartImages
from cryptodesk.charts.spec import ChartSpec
from cryptodesk.errors import NotFoundError


@dataclass(frozen=True)
class _Stored:
    spec: str


@dataclass
class _Charts:
    specs: dict[str, str] = field(default_factory=dict)

    async def get(self, chart_id: str) -> _Stored:
        if chart_id not in self.specs:
            raise NotFoundError("chart", chart_id)
        return _Stored(self.specs[chart_id])


@dataclass
class _CountingRender:
    calls: list[str] = field(default_factory=list)

    def __call__(self, spec: ChartSpec) -> bytes:
        self.calls.append(spec.title)
        return f"png of {spec.title}".encode()


def _store(spec: ChartSpec, count: int) -> _Charts:
    return _Charts(
        {
            f"c{i}": spec.model_copy(update={"title": f"t{i}"}).model_dump_json()
            for i in range(count)
        }
    )


async def test_chart_images_render_each_chart_once(demo_spec: ChartSpec) -> None:
    render = _CountingRender()
    images = ChartImages(_store(demo_spec, 1), render=render)
    assert await images.png("c0") == b"png of t0"
    assert await images.png("c0") == b"png of t0"
    assert render.calls == ["t0"]


async def test_chart_images_keep_only_the_most_recently_served(demo_spec: ChartSpec) -> None:
    render = _CountingRender()
    images = ChartImages(_store(demo_spec, 3), max_entries=2, render=render)
    for chart_id in ("c0", "c1", "c0", "c2", "c0", "c1"):
        await images.png(chart_id)
    assert len(images) == 2
    # c1 was the least recently served when c2 came in, so it had to be drawn again.
    assert render.calls == ["t0", "t1", "t2", "t1"]


async def test_chart_images_of_a_deleted_chart_are_not_found(demo_spec: ChartSpec) -> None:
    charts = _store(demo_spec, 1)
    images = ChartImages(charts, render=_CountingRender())
    await images.png("c0")
    del charts.specs["c0"]
    with pytest.raises(NotFoundError):
        await images.png("c0")


def test_chart_images_need_room_for_one_image(demo_spec: ChartSpec) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ChartImages(_store(demo_spec, 0), max_entries=0)
