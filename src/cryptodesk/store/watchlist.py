"""The watchlist and the price ticks the watcher records (about a day of them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select

from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import PriceTickRow, WatchRow
from cryptodesk.store.watch_records import Tick, WatchEntry


def _tick(row: PriceTickRow) -> Tick:
    return Tick(
        coin_id=row.coin_id,
        at=row.at,
        price=row.price,
        change_24h_pct=row.change_24h_pct,
        as_of=row.as_of,
        source=row.source,
        data_labels=tuple(json.loads(row.data_labels)),
    )


class WatchlistRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def entries(self) -> list[WatchEntry]:
        query = select(WatchRow).order_by(WatchRow.added_at, WatchRow.coin_id)
        async with self._sessions() as s:
            return [
                WatchEntry(r.coin_id, r.symbol, r.name, r.added_at)
                for r in (await s.execute(query)).scalars()
            ]

    async def add(self, coin_id: str, symbol: str, name: str) -> tuple[WatchEntry, bool]:
        """The entry, and whether it is new (adding a coin twice keeps the first)."""
        async with self._sessions() as s:
            row = await s.get(WatchRow, coin_id)
            if row is not None:
                return WatchEntry(row.coin_id, row.symbol, row.name, row.added_at), False
            row = WatchRow(coin_id=coin_id, symbol=symbol, name=name, added_at=datetime.now(UTC))
            s.add(row)
            await s.commit()
        return WatchEntry(row.coin_id, row.symbol, row.name, row.added_at), True

    async def remove(self, coin_id: str) -> bool:
        async with self._sessions() as s:
            removed = await s.execute(delete(WatchRow).where(WatchRow.coin_id == coin_id))
            await s.commit()
        return bool(removed.rowcount)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ ticks

    async def add_ticks(self, ticks: Sequence[Tick], keep_after: datetime) -> None:
        """Stores one update's prices and forgets those older than `keep_after`."""
        async with self._sessions() as s:
            if ticks:
                await s.execute(
                    insert(PriceTickRow),
                    [
                        {
                            "coin_id": t.coin_id,
                            "at": t.at,
                            "price": t.price,
                            "change_24h_pct": t.change_24h_pct,
                            "as_of": t.as_of,
                            "source": t.source,
                            "data_labels": json.dumps(list(t.data_labels)),
                        }
                        for t in ticks
                    ],
                )
            await s.execute(delete(PriceTickRow).where(PriceTickRow.at < keep_after))
            await s.commit()

    async def latest_ticks(self, coin_ids: Sequence[str] | None = None) -> dict[str, Tick]:
        """The last tick of each coin."""
        last = select(PriceTickRow.coin_id, func.max(PriceTickRow.at).label("at")).group_by(
            PriceTickRow.coin_id
        )
        if coin_ids is not None:
            last = last.where(PriceTickRow.coin_id.in_(list(coin_ids)))
        latest = last.subquery()
        query = select(PriceTickRow).join(
            latest,
            (PriceTickRow.coin_id == latest.c.coin_id) & (PriceTickRow.at == latest.c.at),
        )
        async with self._sessions() as s:
            return {r.coin_id: _tick(r) for r in (await s.execute(query)).scalars()}

    async def first_ticks_since(self, since: datetime, coin_ids: Sequence[str]) -> dict[str, Tick]:
        """Each coin's first tick at or after `since` (the start of a percent-move window)."""
        first = (
            select(PriceTickRow.coin_id, func.min(PriceTickRow.at).label("at"))
            .where(PriceTickRow.at >= since, PriceTickRow.coin_id.in_(list(coin_ids)))
            .group_by(PriceTickRow.coin_id)
            .subquery()
        )
        query = select(PriceTickRow).join(
            first,
            (PriceTickRow.coin_id == first.c.coin_id) & (PriceTickRow.at == first.c.at),
        )
        async with self._sessions() as s:
            return {r.coin_id: _tick(r) for r in (await s.execute(query)).scalars()}

    async def oldest_tick_at(self) -> datetime | None:
        async with self._sessions() as s:
            return (await s.execute(select(func.min(PriceTickRow.at)))).scalar_one()
