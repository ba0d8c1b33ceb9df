"""The track record: calls (filtered, paginated), their statistics next to baselines, one call."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.records import (
    CallOut,
    CallPage,
    CallSummary,
    call_out,
    feedback_counts,
)
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.desk import Desk
from cryptodesk.domain.calls import CallStatus, Outcome
from cryptodesk.market.schemas import Timeframe
from cryptodesk.record.stats import SMALL_SAMPLE, summarize
from cryptodesk.store.calls import CallFilter

router = APIRouter(prefix="/api/v1/calls", tags=["track record"])

MAX_PAGE = 200
MAX_OFFSET = 2**31 - 1
Engine = Annotated[
    str | None,
    Query(pattern=r"^[a-z]{1,32}$", description="`offline` or `magentic`."),
]


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: object) -> object:
    """Only what the document's `date-time` format allows (pydantic alone would also take a
    number of seconds or a bare date)."""
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2026-05-01T00:00:00Z")
    return value


When = Annotated[datetime | None, BeforeValidator(_rfc3339)]


def _utc(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": "out of range", "type": "value_error"}]
        ) from None


def call_filter(
    asset: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
            description="A symbol (`BTC`) or coin id (`bitcoin`), any case.",
        ),
    ] = None,
    timeframe: Annotated[Timeframe | None, Query()] = None,
    engine: Engine = None,
    since: Annotated[When, Query(description="As-of from this time.")] = None,
    until: Annotated[When, Query(description="As-of before this time.")] = None,
    backtest: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9_-]{1,64}$",
            description="A saved backtest's id: its calls instead of the runs' calls.",
        ),
    ] = None,
) -> CallFilter:
    start, end = _utc("since", since), _utc("until", until)
    if start is not None and end is not None and start >= end:
        raise RequestValidationError(
            [{"loc": ("query", "until"), "msg": "must be after since", "type": "value_error"}]
        )
    return CallFilter(
        asset=asset,
        timeframe=timeframe,
        engine=engine,
        since=start,
        until=end,
        backtest_id=backtest,
    )


Filter = Annotated[CallFilter, Depends(call_filter)]


async def _known_backtest(desk: Desk, where: CallFilter) -> None:
    if where.backtest_id is not None:
        await desk.store.backtests.get(where.backtest_id)  # NotFoundError


@router.get("", response_model=CallPage, responses=errors(404, 422, *STORAGE))
async def list_calls(
    desk: DeskDep,
    where: Filter,
    outcome: Annotated[Outcome | None, Query()] = None,
    status: Annotated[CallStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CallPage:
    """Calls, newest as-of first, with their settlement (or why they are pending)."""
    await _known_backtest(desk, where)
    where = replace(where, outcome=outcome, status=status)
    calls, total = await desk.store.calls.page(where, limit, offset)
    return CallPage(items=[call_out(c) for c in calls], total=total, limit=limit, offset=offset)


@router.get("/summary", response_model=CallSummary, responses=errors(404, 422, *STORAGE))
async def summary(desk: DeskDep, where: Filter) -> CallSummary:
    """Hit rate, returns, excursions and calibration per engine and timeframe, next to the
    baselines on the same calls (always bullish, a coin flip, buy and hold)."""
    await _known_backtest(desk, where)
    return await summary_of(desk, where)


async def summary_of(desk: Desk, where: CallFilter) -> CallSummary:
    overall, groups = summarize(await desk.store.calls.matching(where))
    feedback = None
    if where.backtest_id is None:
        feedback = feedback_counts(await desk.store.feedback.every(), where.engine)
    return CallSummary(overall=overall, groups=groups, small_sample=SMALL_SAMPLE, feedback=feedback)


@router.get("/{call_id}", response_model=CallOut, responses=errors(404, *STORAGE))
async def get_call(call_id: str, desk: DeskDep) -> CallOut:
    return call_out(await desk.store.calls.get(call_id))
