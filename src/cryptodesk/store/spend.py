"""The LLM spending ledger: one row per LLM run, summed per UTC day for the daily cap.

Totals are summed by the database at the moment they are asked for, so every replica sharing it
sees the spend of all of them (no counter kept in a process).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from cryptodesk.domain.spend import DaySpend, utc_day
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import LlmSpendRow


class SpendRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def record(
        self,
        run_id: str,
        engine: str,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
    ) -> None:
        now = datetime.now(UTC)
        async with self._sessions() as s:
            s.add(
                LlmSpendRow(
                    id=new_id(),
                    day=utc_day(now),
                    run_id=run_id,
                    engine=engine[:200],
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    cost_usd=cost_usd,
                    recorded_at=now,
                )
            )
            await s.commit()

    async def day(self, day: str | None = None) -> DaySpend:
        """What the LLM runs that ended on `day` (default: today, UTC) spent."""
        day = day or utc_day()
        tokens = LlmSpendRow.prompt_tokens + LlmSpendRow.completion_tokens
        query = select(
            func.count(LlmSpendRow.id),
            func.coalesce(func.sum(tokens), 0),
            func.coalesce(func.sum(LlmSpendRow.cost_usd), 0.0),
            func.count(LlmSpendRow.id) - func.count(LlmSpendRow.cost_usd),
        ).where(LlmSpendRow.day == day)
        async with self._sessions() as s:
            runs, total, cost, unpriced = (await s.execute(query)).one()
        return DaySpend(day, int(runs), int(total), float(cost or 0.0), int(unpriced))
