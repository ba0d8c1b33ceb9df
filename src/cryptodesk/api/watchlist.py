"""The watchlist: coins followed with their live price, 24h change and sparkline."""

from __future__ import annotations

from fastapi import APIRouter

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.watch_schemas import WatchEntryOut, WatcherStatus, WatchIn, WatchlistOut
from cryptodesk.desk import Desk

router = APIRouter(prefix="/api/v1/watchlist", tags=["watchlist"])


def watcher_status(desk: Desk) -> WatcherStatus:
    watcher = desk.watch.watcher
    here = desk.singletons.holds("watch.watcher")
    plan, last = watcher.plan, watcher.last
    return WatcherStatus(
        running_here=here,
        interval_s=round(plan.interval_s, 2) if here and plan else None,
        requests_per_minute=plan.requests_per_minute if here and plan else None,
        allowance_per_minute=plan.allowance_per_minute if here and plan else None,
        last_update_at=last.at if here and last else None,
        note=last.note if here and last else None,
    )


@router.get("", response_model=WatchlistOut, responses=errors(*STORAGE))
async def read_watchlist(desk: DeskDep) -> WatchlistOut:
    return WatchlistOut(items=await desk.watch.watchlist(), watcher=watcher_status(desk))


@router.post(
    "",
    response_model=WatchEntryOut,
    responses=errors(400, 413, 422, 502, *STORAGE, unprocessable=True),
)
async def add_to_watchlist(body: WatchIn, desk: DeskDep) -> WatchEntryOut:
    """Adds a coin (adding it again keeps it once); 422 for a coin the market cannot price."""
    entry, created = await desk.watch.watch(body.symbol)
    return WatchEntryOut(
        coin_id=entry.coin_id,
        symbol=entry.symbol,
        name=entry.name,
        added_at=entry.added_at,
        created=created,
    )


@router.delete("/{symbol}", response_model=WatchEntryOut, responses=errors(404, 422, *STORAGE))
async def remove_from_watchlist(symbol: str, desk: DeskDep) -> WatchEntryOut:
    entry = await desk.watch.unwatch(symbol)
    return WatchEntryOut(
        coin_id=entry.coin_id,
        symbol=entry.symbol,
        name=entry.name,
        added_at=entry.added_at,
        created=False,
    )
