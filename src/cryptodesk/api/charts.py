"""Stored chart specs."""

from __future__ import annotations

import json

from fastapi import APIRouter

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.schemas import ChartOut

router = APIRouter(prefix="/api/v1/charts", tags=["charts"])


@router.get("/{chart_id}", response_model=ChartOut)
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
