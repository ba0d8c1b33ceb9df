"""Saved backtests: the run's parameters and its calls (with their settlements), in one
transaction; a name is saved once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cryptodesk.domain.calls import CallDraft, Settlement
from cryptodesk.errors import ConflictError, NotFoundError
from cryptodesk.store.calls import insert_calls
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import BacktestRow
from cryptodesk.store.records import Backtest


def _backtest(row: BacktestRow) -> Backtest:
    return Backtest(
        id=row.id,
        name=row.name,
        symbols=tuple(row.symbols.split(",")),
        timeframe=row.timeframe,
        start=row.start,
        end=row.end,
        every_s=row.every_s,
        source=row.source,
        call_count=row.call_count,
        created_at=row.created_at,
    )


class BacktestRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def save(
        self,
        backtest: Backtest,
        drafts: Sequence[CallDraft],
        settlements: Sequence[Settlement | None],
    ) -> None:
        """`ConflictError` when a backtest of that name exists (nothing is then stored)."""
        row = BacktestRow(
            id=backtest.id,
            name=backtest.name,
            symbols=",".join(backtest.symbols),
            timeframe=backtest.timeframe,
            start=backtest.start,
            end=backtest.end,
            every_s=backtest.every_s,
            source=backtest.source,
            call_count=backtest.call_count,
            created_at=backtest.created_at,
        )
        async with self._sessions() as s:
            s.add(row)
            try:
                await s.flush()
            except IntegrityError as exc:
                raise ConflictError(
                    f"a backtest named {backtest.name!r} is already saved; choose another name"
                ) from exc
            await insert_calls(s, drafts, settlements)
            await s.commit()

    async def list(self) -> list[Backtest]:
        query = select(BacktestRow).order_by(BacktestRow.created_at.desc(), BacktestRow.id)
        async with self._sessions() as s:
            return [_backtest(row) for row in (await s.execute(query)).scalars()]

    async def named(self, name: str) -> Backtest | None:
        async with self._sessions() as s:
            query = select(BacktestRow).where(BacktestRow.name == name)
            row = (await s.execute(query)).scalar_one_or_none()
        return _backtest(row) if row is not None else None

    async def get(self, backtest_id: str) -> Backtest:
        async with self._sessions() as s:
            row = await s.get(BacktestRow, backtest_id)
        if row is None:
            raise NotFoundError("backtest", backtest_id)
        return _backtest(row)
