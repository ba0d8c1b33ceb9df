"""The per-day spending cap across runs: a ledger in the database that every replica sums, a
run that starts below the cap stops delegating where the day's budget ends, and a run after the
cap makes no LLM call at all (the offline analyst answers, with a clear message)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cryptodesk.domain.events import Report, RunError
from cryptodesk.domain.spend import DaySpend
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.magentic.budget import DailyCap
from cryptodesk.engines.magentic.usage import PriceTable, UsageMeter
from cryptodesk.errors import StorageError
from cryptodesk.store.store import Store
from tests.engines.magentic.conftest import llm_settings, make_engine
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer
from tests.fakes import RecordingSink

QUESTION = "Analyze BTC on the 4h chart"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'spend.db'}")
    yield opened
    await opened.close()


def run(n: int) -> RunRequest:
    return RunRequest(f"run-{n}", f"conv-{n}", QUESTION, (), 10)


def report_of(sink: RecordingSink) -> Report:
    report = sink.events[-1]
    assert isinstance(report, Report)
    return report


async def test_daily_cap_across_runs_and_replicas(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM, store: Store
) -> None:
    uncapped = llm_settings(tmp_path, shared_market_dir, llm_server)
    first = RecordingSink()
    await make_engine(uncapped, spend=store.spend).run(run(1), first)
    spent = report_of(first).usage
    day = await store.spend.day()
    assert (day.runs, day.tokens) == (1, spent.prompt_tokens + spent.completion_tokens)

    # Two other replicas on the same database, capped one token above what was spent.
    capped = llm_settings(
        tmp_path, shared_market_dir, llm_server, daily_budget_tokens=day.tokens + 1
    )
    second = RecordingSink()
    await make_engine(capped, spend=store.spend).run(run(2), second)
    # Admitted below the cap; its meter stopped delegating where the day's budget ended.
    assert [e.code for e in second.of_type(RunError)] == ["budget_exceeded"]
    assert "day's token cap" in second.of_type(RunError)[0].message
    assert report_of(second).engine.startswith("magentic:")
    assert "budget" in llm.of_kind("report")[-1].last_text

    sent = len(llm.requests)
    third = RecordingSink()
    await make_engine(capped, spend=store.spend).run(run(3), third)
    (refused,) = third.of_type(RunError)
    assert (refused.code, refused.recoverable) == ("daily_budget_reached", True)
    assert refused.message.startswith("Today's LLM spending cap is reached")
    assert refused.message.endswith("The offline analyst answers instead.")
    assert len(llm.requests) == sent, "no LLM call once the cap is reached"
    report = report_of(third)
    assert report.engine == "offline (LLM fallback)" and "llm_fallback" in report.data_labels
    assert (await store.spend.day()).runs == 2  # a run without LLM calls spends nothing


class _Ledger:
    def __init__(self, spent: DaySpend | None) -> None:
        self.spent = spent

    async def record(self, *_: object) -> None:
        raise AssertionError("not expected")

    async def day(self, day: str | None = None) -> DaySpend:
        if self.spent is None:
            raise StorageError("the test database", "the database is locked")
        return self.spent


async def test_daily_cap_in_dollars_and_what_is_left_for_the_run() -> None:
    meter = UsageMeter(PriceTable.build({}, free=False))
    cap = DailyCap(_Ledger(DaySpend("2026-11-30", 3, 9000, 0.75)), usd=1.0)
    assert await cap.admit(meter) is None
    assert meter.day_left_usd == pytest.approx(0.25)
    meter.record("ReportWriter", "gpt-4o", 100_000, 0)  # $0.25
    assert meter.over_budget() == "the day's spending cap: $0.2500 spent, $0.2500 left"
    reached = DailyCap(_Ledger(DaySpend("2026-11-30", 4, 9000, 1.0)), usd=1.0)
    refused = await reached.admit(UsageMeter(PriceTable.build({}, free=False)))
    assert refused is not None and refused.code == "daily_budget_reached"
    assert "$1.0000 of $1.0000 spent on 2026-11-30 UTC, 4 runs" in refused.message


async def test_daily_cap_refuses_when_the_ledger_cannot_be_read() -> None:
    refused = await DailyCap(_Ledger(None), tokens=10).admit(
        UsageMeter(PriceTable.build({}, free=False))
    )
    assert refused is not None and refused.code == "daily_budget_unknown"
    assert "cannot be checked" in refused.message
