"""Chart specs: stored as JSON, served by id. Implements `tools.context.ChartStore`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from cryptodesk.errors import NotFoundError
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import ChartRow
from cryptodesk.store.records import Chart


def _chart(row: ChartRow) -> Chart:
    return Chart(
        row.id,
        row.conversation_id,
        row.run_id,
        row.symbol,
        row.interval,
        row.title,
        row.spec,
        row.created_at,
    )


class ChartRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def save_chart(
        self,
        *,
        run_id: str,
        conversation_id: str,
        symbol: str,
        interval: str,
        title: str,
        spec: dict[str, Any],
    ) -> str:
        row = ChartRow(
            id=new_id(),
            run_id=run_id,
            conversation_id=conversation_id,
            symbol=symbol,
            interval=interval,
            title=title,
            spec=json.dumps(spec, separators=(",", ":"), allow_nan=False),
            created_at=datetime.now(UTC),
        )
        async with self._sessions() as s:
            s.add(row)
            await s.commit()
        return row.id

    async def get(self, chart_id: str) -> Chart:
        async with self._sessions() as s:
            row = await s.get(ChartRow, chart_id)
        if row is None:
            raise NotFoundError("chart", chart_id)
        return _chart(row)

    async def for_conversation(self, conversation_id: str) -> list[Chart]:
        query = (
            select(ChartRow)
            .where(ChartRow.conversation_id == conversation_id)
            .order_by(ChartRow.created_at, ChartRow.id)
        )
        async with self._sessions() as s:
            return [_chart(r) for r in (await s.execute(query)).scalars()]
