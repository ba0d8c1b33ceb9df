"""The per-day spending cap across runs: a ledger in the database (`store.spend`).

Before an LLM run starts, the day's spend so far (summed by the database, so every replica
counts) is compared with `daily_budget_usd` / `daily_budget_tokens`: a reached cap stops the run
before any LLM call, with a clear message, and the offline analyst answers instead. A run that
starts below the cap may spend at most what is left of the day (its meter stops delegating and
summarises there). Every LLM run writes what it spent when it ends, however it ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from cryptodesk.domain.events import Usage
from cryptodesk.domain.spend import DaySpend
from cryptodesk.engines.magentic.usage import UsageMeter
from cryptodesk.errors import LlmError, StorageError

log = logging.getLogger(__name__)


class SpendBook(Protocol):
    async def record(
        self,
        run_id: str,
        engine: str,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
    ) -> None: ...

    async def day(self, day: str | None = None) -> DaySpend: ...


@dataclass(frozen=True, slots=True)
class DailyCap:
    book: SpendBook | None
    usd: float | None = None
    tokens: int | None = None

    @property
    def active(self) -> bool:
        return self.book is not None and (self.usd is not None or self.tokens is not None)

    async def admit(self, meter: UsageMeter) -> LlmError | None:
        """Why a new LLM run may not start today, or None (then `meter` may spend what is left
        of the day)."""
        if not self.active or self.book is None:
            return None
        try:
            spent = await self.book.day()
        except StorageError as exc:
            return LlmError(
                "daily_budget_unknown",
                "Today's LLM spending cannot be read from the database, so the daily spending "
                "cap cannot be checked.",
                details=exc.message,
            )
        if self.usd is not None and spent.cost_usd >= self.usd:
            return _reached(f"${spent.cost_usd:.4f} of ${self.usd:.4f}", spent)
        if self.tokens is not None and spent.tokens >= self.tokens:
            return _reached(f"{spent.tokens:,} of {self.tokens:,} tokens", spent)
        if self.usd is not None:
            meter.day_left_usd = self.usd - spent.cost_usd
        if self.tokens is not None:
            meter.day_left_tokens = self.tokens - spent.tokens
        return None

    async def record(self, run_id: str, engine: str, usage: Usage) -> None:
        """Writes what a run spent (nothing when it made no LLM call); a failure is logged, the
        run's answer stands."""
        if self.book is None or not (usage.prompt_tokens or usage.completion_tokens):
            return
        try:
            await self.book.record(
                run_id, engine, usage.prompt_tokens, usage.completion_tokens, usage.cost_usd
            )
        except StorageError as exc:
            log.error("run %s: its LLM spend could not be recorded: %s", run_id, exc.logged())


def _reached(spent: str, day: DaySpend) -> LlmError:
    return LlmError(
        "daily_budget_reached",
        f"Today's LLM spending cap is reached ({spent} spent on {day.day} UTC, {day.runs} runs); "
        "new questions get the offline analyst until the cap is raised or the day ends (UTC).",
    )
