"""Feedback on answers: one thumbs up or down per run, with optional reasons; a person may
change it (the latest counts) or take it back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from cryptodesk.domain.calls import FeedbackReason, Rating
from cryptodesk.errors import NotFoundError
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.models import FeedbackRow, RunRow
from cryptodesk.store.records import Feedback


def _feedback(row: FeedbackRow, engine: str | None = None) -> Feedback:
    return Feedback(
        run_id=row.run_id,
        rating=row.rating,
        reasons=tuple(json.loads(row.reasons)),
        created_at=row.created_at,
        updated_at=row.updated_at,
        engine=engine,
    )


class FeedbackRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def put(self, run_id: str, rating: Rating, reasons: Sequence[FeedbackReason]) -> Feedback:
        """Stores (or replaces) the run's feedback; `NotFoundError` for an unknown run."""
        now = datetime.now(UTC)
        text = json.dumps(list(dict.fromkeys(reasons)))
        async with self._sessions() as s:
            if await s.get(RunRow, run_id) is None:
                raise NotFoundError("run", run_id)
            changed = await s.execute(
                update(FeedbackRow)
                .where(FeedbackRow.run_id == run_id)
                .values(rating=rating, reasons=text, updated_at=now)
            )
            if not changed.rowcount:  # type: ignore[attr-defined]
                s.add(
                    FeedbackRow(
                        run_id=run_id, rating=rating, reasons=text, created_at=now, updated_at=now
                    )
                )
            try:
                await s.commit()
            except IntegrityError as exc:  # the run was deleted meanwhile
                raise NotFoundError("run", run_id) from exc
            query = select(FeedbackRow).where(FeedbackRow.run_id == run_id)
            row = (await s.execute(query.execution_options(populate_existing=True))).scalar()
        if row is None:
            raise NotFoundError("run", run_id)
        return _feedback(row)

    async def remove(self, run_id: str) -> None:
        async with self._sessions() as s:
            if await s.get(RunRow, run_id) is None:
                raise NotFoundError("run", run_id)
            await s.execute(delete(FeedbackRow).where(FeedbackRow.run_id == run_id))
            await s.commit()

    async def for_runs(self, run_ids: Sequence[str]) -> dict[str, Feedback]:
        if not run_ids:
            return {}
        query = select(FeedbackRow).where(FeedbackRow.run_id.in_(run_ids))
        async with self._sessions() as s:
            return {row.run_id: _feedback(row) for row in (await s.execute(query)).scalars()}

    async def every(self) -> list[Feedback]:
        """All feedback with the engine of its run (for the track record's counts)."""
        query = select(FeedbackRow, RunRow.engine).join(RunRow, RunRow.id == FeedbackRow.run_id)
        async with self._sessions() as s:
            return [_feedback(row, engine) for row, engine in (await s.execute(query)).all()]
