"""`cryptodesk calls list` and `cryptodesk calls summary`: the stored track record in the terminal.

`list --json` is the export: every matching call, oldest first, one JSON object a line in the
backtest's `--json` shape plus who made it (engine, model, run, conversation) and its status,
then the summary object. Bad filters raise `BadInput` (exit code 2), as the API answers 422.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from typing import TypeVar, get_args

from rich.console import Console
from rich.table import Table

from cryptodesk.config import Settings
from cryptodesk.domain import format as fmt
from cryptodesk.domain.calls import OUTCOMES, Call, CallStatus
from cryptodesk.errors import NotFoundError
from cryptodesk.market.schemas import Timeframe
from cryptodesk.record.backtest import call_line
from cryptodesk.record.stats import summarize
from cryptodesk.store.calls import CallFilter
from cryptodesk.store.store import Store
from cryptodesk.terminal.record import BadInput, parse_when, print_summary, size

_T = TypeVar("_T", bound=str)
_TIMEFRAMES: tuple[Timeframe, ...] = get_args(Timeframe)
_STATUSES: tuple[CallStatus, ...] = get_args(CallStatus)


@dataclass(frozen=True, slots=True)
class CallsArgs:
    asset: str | None = None
    timeframe: str | None = None
    engine: str | None = None
    outcome: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None
    backtest: str | None = None
    """A saved backtest's name or id: its calls instead of the answers' calls."""


def _one_of(option: str, value: str | None, allowed: tuple[_T, ...]) -> _T | None:
    if value is None:
        return None
    for choice in allowed:
        if choice == value:
            return choice
    raise BadInput(f"{option}: {value!r} is not one of {', '.join(allowed)}")


def _filter(args: CallsArgs) -> CallFilter:
    since = parse_when("--since", args.since) if args.since else None
    until = parse_when("--until", args.until) if args.until else None
    if since is not None and until is not None and since >= until:
        raise BadInput("--until must be after --since")
    return CallFilter(
        asset=args.asset.strip() if args.asset else None,
        timeframe=_one_of("--timeframe", args.timeframe, _TIMEFRAMES),
        engine=args.engine,
        outcome=_one_of("--outcome", args.outcome, OUTCOMES),
        status=_one_of("--status", args.status, _STATUSES),
        since=since,
        until=until,
    )


async def _scoped(store: Store, args: CallsArgs) -> CallFilter:
    where = _filter(args)
    if args.backtest is None:
        return where
    saved = await store.backtests.named(args.backtest)
    if saved is not None:
        return replace(where, backtest_id=saved.id)
    try:
        return replace(where, backtest_id=(await store.backtests.get(args.backtest)).id)
    except NotFoundError:
        raise BadInput(f"--backtest: no saved backtest is named {args.backtest!r}") from None


def export_line(call: Call) -> dict[str, object]:
    """A call as `calls list --json` prints it: the backtest's line, and who made it."""
    draft = call.draft
    return {
        **call_line(call),
        "id": draft.id,
        "coin_id": draft.coin_id,
        "status": call.status,
        "engine": draft.engine,
        "model": draft.model,
        "source": draft.source,
        "run_id": draft.run_id,
        "conversation_id": draft.conversation_id,
        "backtest_id": draft.backtest_id,
        "settled_at": call.settlement.settled_at.isoformat() if call.settlement else None,
    }


def _outcome(call: Call) -> str:
    if call.settlement is not None:
        return call.settlement.outcome.replace("_", " ")
    if call.status == "pending" and call.pending_reason:
        return f"pending: {call.pending_reason}"
    return call.status


def _table(calls: list[Call], total: int) -> Table:
    table = Table(title=f"Calls, newest first ({len(calls)} of {total})")
    for column in ("as of (UTC)", "asset", "engine", "call", "price", "outcome", "return"):
        table.add_column(column, no_wrap=column != "outcome", min_width=11 * (column == "outcome"))
    table.add_column("MFE / MAE", justify="right", no_wrap=True)
    table.add_column("made by", no_wrap=True)
    for call in calls:
        d, settled = call.draft, call.settlement
        made_by = f"run {d.run_id[:8]}" if d.run_id else f"backtest {(d.backtest_id or '')[:8]}"
        table.add_row(
            f"{d.as_of:%Y-%m-%d %H:%M}",
            f"{d.symbol} {d.timeframe}",
            d.engine,
            f"{d.bias} {d.strength:g}",
            fmt.price(d.price),
            _outcome(call),
            fmt.pct(settled.return_pct) if settled else "",
            f"{size(settled.mfe_pct)} / {size(settled.mae_pct)}" if settled else "",
            made_by,
        )
    return table


async def list_command(
    settings: Settings, args: CallsArgs, console: Console, *, limit: int, json_lines: bool
) -> None:
    store = await Store.open(settings.resolved_database_url)
    try:
        where = await _scoped(store, args)
        if json_lines:
            calls = await store.calls.matching(where)
            for call in calls:
                sys.stdout.write(json.dumps(export_line(call)) + "\n")
            overall, _groups = summarize(calls)
            summary = {"type": "summary", **overall.model_dump(mode="json")}
            sys.stdout.write(json.dumps(summary) + "\n")
            return
        page, total = await store.calls.page(where, limit, 0)
    finally:
        await store.close()
    if total == 0:
        console.print("No calls match.")
        return
    console.print(_table(page, total))


async def summary_command(
    settings: Settings, args: CallsArgs, console: Console, *, json_out: bool
) -> None:
    store = await Store.open(settings.resolved_database_url)
    try:
        where = await _scoped(store, args)
        overall, groups = summarize(await store.calls.matching(where))
    finally:
        await store.close()
    if json_out:
        payload = {
            "overall": overall.model_dump(mode="json"),
            "groups": [g.model_dump(mode="json") for g in groups],
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    if overall.calls == 0:
        console.print("No calls match.")
        return
    for group in groups if len(groups) > 1 else []:
        console.print(f"\n[bold]{group.engine} {group.timeframe}[/bold]")
        print_summary(console, group, label=group.engine)
    console.print("\n[bold]All calls[/bold]")
    print_summary(console, overall, label="the desk")
