"""Stored chart specs, the same charts as PNG images, and live charts built without a run."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from cryptodesk.analysis.indicators import INDICATORS, IndicatorName
from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.schemas import ChartOut, LiveChartOut
from cryptodesk.market.schemas import Timeframe
from cryptodesk.tools.charts import CHART_INDICATORS, ChartArgs, build_chart
from cryptodesk.tools.market import MAX_CANDLES
from cryptodesk.tools.memo import RunMemo

router = APIRouter(prefix="/api/v1/charts", tags=["charts"])

_INDICATORS = TypeAdapter(list[IndicatorName])
_NAME = "|".join(sorted(INDICATORS, key=len, reverse=True))
_INDICATOR_LIST = rf"^\s*({_NAME})?\s*(,\s*({_NAME})?\s*)*$"
"""Comma-separated known names (blanks and empty items allowed), as the OpenAPI document says."""


def indicator_list(
    indicators: Annotated[
        str | None,
        Query(
            max_length=200,
            json_schema_extra={"pattern": _INDICATOR_LIST},  # the check below says it plainly
            description=(
                "Comma-separated indicators, e.g. `rsi14,macd`; empty for none; absent for the "
                f"run charts' default ({','.join(CHART_INDICATORS)}). "
                f"Known: {', '.join(INDICATORS)}."
            ),
        ),
    ] = None,
) -> list[IndicatorName]:
    if indicators is None:
        return list(CHART_INDICATORS)
    names = [name.strip() for name in indicators.split(",") if name.strip()]
    try:
        return list(dict.fromkeys(_INDICATORS.validate_python(names)))
    except ValidationError as e:
        bad = sorted({names[int(err["loc"][0])] for err in e.errors() if err["loc"]})
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "indicators"),
                    "msg": f"unknown indicator(s) {', '.join(bad)}; known: {', '.join(INDICATORS)}",
                    "type": "value_error",
                }
            ]
        ) from None


# Declared before "/{chart_id}", which would otherwise match "live" as an id.
@router.get("/live", response_model=LiveChartOut, responses=errors(404, 422, 429, 502))
async def get_live_chart(
    desk: DeskDep,
    symbol: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$",
            description="Coin id, symbol or name, e.g. `BTC`, `ethereum`.",
        ),
    ],
    indicators: Annotated[list[IndicatorName], Depends(indicator_list)],
    timeframe: Annotated[Timeframe, Query(description="Candle timeframe.")] = "4h",
    levels: Annotated[bool, Query(description="Draw support and resistance levels.")] = True,
    limit: Annotated[int, Query(ge=20, le=MAX_CANDLES, description="Candles on the chart.")] = 300,
) -> LiveChartOut:
    """A fresh chart spec for a coin, timeframe and indicator set, built by the same code as a
    run's `create_chart` tool (candles, levels, pattern markers), from the market data in force.
    Not stored: ask again for newer candles."""
    args = ChartArgs(
        coin=symbol, timeframe=timeframe, indicators=indicators, with_levels=levels, limit=limit
    )
    built = await build_chart(desk.market, RunMemo(), args)
    return LiveChartOut(
        symbol=built.spec.symbol, timeframe=timeframe, indicators=indicators, spec=built.spec
    )


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
