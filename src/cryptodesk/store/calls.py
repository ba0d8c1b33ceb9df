"""Calls and their settlements.

A call's terms are inserted once, in the transaction that stores the run's `result` frame
(`runs._insert`) or the saved backtest (`backtests.py`), and never updated. Its settlement is
written once: `settle` is a conditional update (`settled_at IS NULL`), so a restarted server or
two evaluators at once never settle a call twice. While it is pending its reason may change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cryptodesk.domain import format as fmt
from cryptodesk.domain.calls import (
    SIMULATED_REASON,
    Call,
    CallDraft,
    CallStatus,
    Outcome,
    Settlement,
    path_from_json,
    path_json,
)
from cryptodesk.domain.outlook import Bias
from cryptodesk.errors import NotFoundError
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import CallRow


@dataclass(frozen=True, slots=True)
class CallFilter:
    asset: str | None = None
    """A symbol or coin id, any case."""
    timeframe: str | None = None
    engine: str | None = None
    outcome: Outcome | None = None
    status: CallStatus | None = None
    since: datetime | None = None
    until: datetime | None = None
    """As-of from `since` (inclusive) until `until` (exclusive)."""
    backtest_id: str | None = None
    """None: the calls of runs; an id: that backtest's calls."""


def waiting_reason(draft: CallDraft) -> str:
    return f"waiting for the horizon to end ({fmt.when(draft.horizon_ends_at)})"


def _values(draft: CallDraft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "run_id": draft.run_id,
        "conversation_id": draft.conversation_id,
        "backtest_id": draft.backtest_id,
        "symbol": draft.symbol,
        "coin_id": draft.coin_id,
        "timeframe": draft.timeframe,
        "as_of": draft.as_of,
        "price": draft.price,
        "bias": draft.bias,
        "strength": draft.strength,
        "support": draft.support,
        "resistance": draft.resistance,
        "invalidation": draft.invalidation,
        "bull_target": draft.bull_target,
        "bear_target": draft.bear_target,
        "horizon_bars": draft.horizon_bars,
        "horizon_ends_at": draft.horizon_ends_at,
        "engine": draft.engine,
        "model": draft.model,
        "source": draft.source,
        "data_labels": json.dumps(list(draft.data_labels)),
        "outlook": draft.outlook_json,
        "created_at": draft.created_at,
        "status": "void" if draft.simulated else "pending",
        "pending_reason": SIMULATED_REASON if draft.simulated else waiting_reason(draft),
    }


def settlement_values(settlement: Settlement) -> dict[str, Any]:
    return {
        "status": "settled",
        "pending_reason": None,
        "checked_at": settlement.settled_at,
        "settled_at": settlement.settled_at,
        "outcome": settlement.outcome,
        "return_pct": settlement.return_pct,
        "agreed": settlement.agreed,
        "mfe_pct": settlement.mfe_pct,
        "mae_pct": settlement.mae_pct,
        "first_touch": settlement.first_touch,
        "touched_at": settlement.touched_at,
        "exit_price": settlement.exit_price,
        "settled_candles": settlement.candles,
        "settled_missing": settlement.missing,
        "settled_source": settlement.source,
        "band_pct": settlement.band_pct,
        "path": path_json(settlement.path),
    }


async def insert_calls(
    s: AsyncSession, drafts: Sequence[CallDraft], settlements: Sequence[Settlement | None] = ()
) -> None:
    """Inserts calls in the caller's transaction (with their settlements, for a backtest)."""
    if not drafts:
        return
    rows = []
    for i, draft in enumerate(drafts):
        values = _values(draft)
        settled = settlements[i] if i < len(settlements) else None
        if settled is not None:
            values.update(settlement_values(settled))
        rows.append(values)
    await s.execute(insert(CallRow), rows)


_BIASES: dict[str, Bias] = {"bullish": "bullish", "bearish": "bearish", "neutral": "neutral"}


def _draft(row: CallRow) -> CallDraft:
    bias = _BIASES[row.bias]
    return CallDraft(
        id=row.id,
        symbol=row.symbol,
        coin_id=row.coin_id,
        timeframe=row.timeframe,
        as_of=row.as_of,
        price=row.price,
        bias=bias,
        strength=row.strength,
        support=row.support,
        resistance=row.resistance,
        invalidation=row.invalidation,
        bull_target=row.bull_target,
        bear_target=row.bear_target,
        horizon_bars=row.horizon_bars,
        horizon_ends_at=row.horizon_ends_at,
        engine=row.engine,
        model=row.model,
        source=row.source,
        data_labels=tuple(json.loads(row.data_labels)),
        run_id=row.run_id,
        conversation_id=row.conversation_id,
        backtest_id=row.backtest_id,
        created_at=row.created_at,
        outlook_json=row.outlook,
    )


def _settlement(row: CallRow) -> Settlement | None:
    if row.settled_at is None or row.outcome is None:
        return None
    return Settlement(
        settled_at=row.settled_at,
        outcome=row.outcome,  # type: ignore[arg-type]  # written from `Outcome` only
        return_pct=row.return_pct or 0.0,
        agreed=bool(row.agreed),
        mfe_pct=row.mfe_pct,
        mae_pct=row.mae_pct or 0.0,
        first_touch=row.first_touch,  # type: ignore[arg-type]  # written from `Touch` only
        touched_at=row.touched_at,
        exit_price=row.exit_price or 0.0,
        candles=row.settled_candles or 0,
        missing=row.settled_missing or 0,
        source=row.settled_source or "",
        band_pct=row.band_pct,
        path=path_from_json(row.path) if row.path else (),
    )


def to_call(row: CallRow) -> Call:
    return Call(
        draft=_draft(row),
        status=row.status,  # type: ignore[arg-type]  # written from `CallStatus` only
        pending_reason=row.pending_reason,
        checked_at=row.checked_at,
        settlement=_settlement(row),
    )


def _filtered(query: Select[Any], where: CallFilter) -> Select[Any]:
    if where.backtest_id is None:
        query = query.where(CallRow.backtest_id.is_(None))
    else:
        query = query.where(CallRow.backtest_id == where.backtest_id)
    if where.asset is not None:
        asset = where.asset.strip().lower()
        query = query.where(or_(func.lower(CallRow.symbol) == asset, CallRow.coin_id == asset))
    if where.timeframe is not None:
        query = query.where(CallRow.timeframe == where.timeframe)
    if where.engine is not None:
        query = query.where(CallRow.engine == where.engine)
    if where.outcome is not None:
        query = query.where(CallRow.outcome == where.outcome)
    if where.status is not None:
        query = query.where(CallRow.status == where.status)
    if where.since is not None:
        query = query.where(CallRow.as_of >= where.since)
    if where.until is not None:
        query = query.where(CallRow.as_of < where.until)
    return query


class CallRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def get(self, call_id: str) -> Call:
        async with self._sessions() as s:
            row = await s.get(CallRow, call_id)
        if row is None:
            raise NotFoundError("call", call_id)
        return to_call(row)

    async def for_run(self, run_id: str) -> list[Call]:
        query = select(CallRow).where(CallRow.run_id == run_id).order_by(CallRow.symbol)
        async with self._sessions() as s:
            return [to_call(row) for row in (await s.execute(query)).scalars()]

    async def for_runs(self, run_ids: Sequence[str]) -> dict[str, list[Call]]:
        """The calls of each of these runs (a conversation's export)."""
        if not run_ids:
            return {}
        query = select(CallRow).where(CallRow.run_id.in_(run_ids)).order_by(CallRow.symbol)
        found: dict[str, list[Call]] = {}
        async with self._sessions() as s:
            for row in (await s.execute(query)).scalars():
                found.setdefault(row.run_id or "", []).append(to_call(row))
        return found

    async def page(self, where: CallFilter, limit: int, offset: int) -> tuple[list[Call], int]:
        """Newest as-of first."""
        query = _filtered(select(CallRow), where)
        query = query.order_by(CallRow.as_of.desc(), CallRow.symbol, CallRow.id)
        count = _filtered(select(func.count()).select_from(CallRow), where)
        async with self._sessions() as s:
            total = int((await s.execute(count)).scalar_one())
            rows = (await s.execute(query.limit(limit).offset(offset))).scalars()
            return [to_call(row) for row in rows], total

    async def matching(self, where: CallFilter) -> list[Call]:
        """Every call of the filter, oldest as-of first (for the statistics)."""
        query = _filtered(select(CallRow), where).order_by(CallRow.as_of, CallRow.id)
        async with self._sessions() as s:
            return [to_call(row) for row in (await s.execute(query)).scalars()]

    async def due(self, now: datetime) -> list[Call]:
        """Pending calls of runs whose horizon has ended by `now`."""
        query = (
            select(CallRow)
            .where(
                CallRow.status == "pending",
                CallRow.backtest_id.is_(None),
                CallRow.horizon_ends_at <= now,
            )
            .order_by(CallRow.as_of, CallRow.id)
        )
        async with self._sessions() as s:
            return [to_call(row) for row in (await s.execute(query)).scalars()]

    async def settle(self, call_id: str, settlement: Settlement) -> bool:
        """Writes the settlement unless the call already has one; True when this wrote it."""
        async with self._sessions() as s:
            done = await s.execute(
                update(CallRow)
                .where(
                    CallRow.id == call_id,
                    CallRow.settled_at.is_(None),
                    CallRow.status == "pending",
                )
                .values(**settlement_values(settlement))
            )
            await s.commit()
        return bool(done.rowcount)  # type: ignore[attr-defined]

    async def still_pending(self, call_id: str, reason: str, checked_at: datetime) -> None:
        """Records why a pending call could not be settled (a settled call is left alone)."""
        async with self._sessions() as s:
            await s.execute(
                update(CallRow)
                .where(CallRow.id == call_id, CallRow.settled_at.is_(None))
                .values(pending_reason=reason, checked_at=checked_at)
            )
            await s.commit()
