"""Liveness, readiness and WebSocket status."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cryptodesk import __version__
from cryptodesk.api.deps import DeskDep
from cryptodesk.api.schemas import ComponentStatus, Health, Readiness, WsStatus
from cryptodesk.errors import StorageError

router = APIRouter()


@router.get("/api/v1/health", response_model=Health)
async def health() -> Health:
    return Health(status="healthy", version=__version__, timestamp=datetime.now(UTC))


@router.get(
    "/api/v1/health/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a component is not ready"}},
)
async def ready(desk: DeskDep) -> JSONResponse:
    try:
        await desk.store.check()
        database = ComponentStatus(ready=True, detail=desk.store.engine.url.get_backend_name())
    except StorageError as exc:
        database = ComponentStatus(ready=False, detail=exc.message)
    except Exception as exc:  # readiness reports the failure instead of raising it
        database = ComponentStatus(
            ready=False, detail=f"database unreachable: {type(exc).__name__}"
        )
    llm = await desk.engines.refresh()  # a cheap real request, cached for a minute
    engine_name = desk.engines.describe()
    engine = ComponentStatus(
        ready=not engine_name.startswith("unavailable"), detail=f"engine: {engine_name}"
    )
    market = desk.market.status()
    market_data = ComponentStatus(ready=market.ready, detail=market.detail)
    ok = database.ready and engine.ready and market_data.ready
    body = Readiness(
        status="ready" if ok else "not_ready",
        database=database,
        engine=engine,
        market_data=market_data,
        engine_name=engine_name,
        llm_status=desk.engines.llm_status(),
        llm_model=llm.model if llm else None,
        llm_latency_ms=llm.latency_ms if llm else None,
        llm_detail=llm.detail if llm else None,
        llm_problem=desk.engines.llm_problem(),
        market_data_mode=market.mode,
        simulated_data=market.simulated,
        timestamp=datetime.now(UTC),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)


@router.get("/ws/status", response_model=WsStatus)
async def ws_status(desk: DeskDep) -> WsStatus:
    return WsStatus(
        status="healthy",
        active_connections=desk.hub.connection_count,
        active_runs=desk.runs.active_count,
        timestamp=datetime.now(UTC),
    )
