"""Saved backtests of the offline analyst (`cryptodesk backtest --save NAME`); their calls are
under `GET /api/v1/calls?backtest=<id>`."""

from __future__ import annotations

from fastapi import APIRouter

from cryptodesk.api.calls import summary_of
from cryptodesk.api.deps import DeskDep
from cryptodesk.api.records import BacktestDetail, BacktestOut, backtest_out
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.store.calls import CallFilter

router = APIRouter(prefix="/api/v1/backtests", tags=["track record"])


@router.get("", response_model=list[BacktestOut], responses=errors(*STORAGE))
async def list_backtests(desk: DeskDep) -> list[BacktestOut]:
    """Newest first."""
    return [backtest_out(b) for b in await desk.store.backtests.list()]


@router.get("/{backtest_id}", response_model=BacktestDetail, responses=errors(404, *STORAGE))
async def get_backtest(backtest_id: str, desk: DeskDep) -> BacktestDetail:
    backtest = await desk.store.backtests.get(backtest_id)
    summary = await summary_of(desk, CallFilter(backtest_id=backtest.id))
    return BacktestDetail(**backtest_out(backtest).model_dump(), summary=summary)
