"""Stored chart specs, and the same charts as PNG images."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.schemas import ChartOut

router = APIRouter(prefix="/api/v1/charts", tags=["charts"])


# Declared before "/{chart_id}", which would otherwise match "<id>.png" as an id.
@router.get(
    "/{chart_id}.png",
    response_class=Response,
    responses=errors(
        404, *STORAGE, success={"content": {"image/png": {}}, "description": "The chart as PNG."}
    ),
)
async def get_chart_png(chart_id: str, desk: DeskDep) -> Response:
    image = await desk.chart_images.png(chart_id)
    return Response(image, media_type="image/png")


@router.get("/{chart_id}", response_model=ChartOut, responses=errors(404, *STORAGE))
async def get_chart(chart_id: str, desk: DeskDep) -> ChartOut:
    chart = await desk.store.charts.get(chart_id)
    return ChartOut(
        id=chart.id,
        run_id=chart.run_id,
        conversation_id=chart.conversation_id,
        symbol=chart.symbol,
        interval=chart.interval,
        title=chart.title,
        created_at=chart.created_at,
        spec=json.loads(chart.spec),
    )
