"""`cryptodesk calls evaluate` and `cryptodesk backtest`: the track record from the terminal.

Bad input (an unknown symbol, a range without data, `--end` before `--start`, a timeframe the
data cannot serve, a horizon beyond the data, a backtest name already saved) raises `BadInput`
with the sentence to print; the command exits 2 with it.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cryptodesk.config import Settings
from cryptodesk.domain import format as fmt
from cryptodesk.errors import ConflictError, MarketDataError
from cryptodesk.market.service import build_market_service
from cryptodesk.record.backtest import BacktestSpec, call_line, run_backtest, settlements
from cryptodesk.record.evaluator import Evaluator, Pass
from cryptodesk.record.stats import GroupStats, Rate, summarize
from cryptodesk.settings.service import SettingsService
from cryptodesk.store.ids import new_id
from cryptodesk.store.records import Backtest
from cryptodesk.store.store import Store

_EVERY = re.compile(r"^(\d+)(m|h|d|w)$")
_UNIT_S = {"m": 60, "h": 3600, "d": 86_400, "w": 604_800}


class BadInput(Exception):
    """A command's input cannot work: the message says why (exit code 2)."""


@dataclass(frozen=True, slots=True)
class BacktestArgs:
    symbols: str
    timeframe: str
    start: str
    end: str
    every: str | None
    data: Path | None
    save: str | None


def parse_when(option: str, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"{option}: {text!r} is not a date (YYYY-MM-DD or an ISO date-time)"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_every(text: str) -> int:
    match = _EVERY.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise BadInput(f"--every: {text!r} is not a period such as 4h, 1d or 1w")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


def backtest_spec(args: BacktestArgs) -> BacktestSpec:
    symbols = tuple(s.strip() for s in args.symbols.split(",") if s.strip())
    if not symbols:
        raise BadInput("--symbols: give at least one symbol, e.g. BTC or BTC,ETH")
    return BacktestSpec(
        symbols=symbols,
        timeframe=args.timeframe,
        start=parse_when("--start", args.start),
        end=parse_when("--end", args.end),
        every_s=parse_every(args.every) if args.every else None,
    )


async def backtest_command(
    settings: Settings, args: BacktestArgs, console: Console, *, json_lines: bool
) -> None:
    folder = args.data or settings.replay_dir
    if folder is None:
        raise BadInput(
            "a backtest replays CSV files: pass --data DIR or set CRYPTODESK_REPLAY_DIR "
            "(e.g. shared/data/market/binance_spot_1h)"
        )
    spec = backtest_spec(args)
    store = await Store.open(settings.resolved_database_url) if args.save else None
    try:
        if store is not None and args.save and await store.backtests.named(args.save):
            raise BadInput(f"a backtest named {args.save!r} is already saved; choose another name")
        backtest_id = new_id() if args.save else None
        try:
            with contextlib.ExitStack() as stack:
                if not json_lines:
                    stack.enter_context(console.status("Replaying…", spinner="dots"))
                result = await run_backtest(folder, spec, backtest_id=backtest_id)
        except MarketDataError as e:
            raise BadInput(e.message) from e
        if json_lines:
            for call in result.calls:
                sys.stdout.write(json.dumps(call_line(call)) + "\n")
        overall, _groups = summarize(result.calls)
        if store is not None and args.save and backtest_id is not None:
            drafts, settled = settlements(result.calls)
            record = Backtest(
                id=backtest_id,
                name=args.save,
                symbols=tuple(c.symbol for c in result.plan.coins),
                timeframe=result.plan.timeframe,
                start=spec.start,
                end=spec.end,
                every_s=result.plan.every_s,
                source=result.source,
                call_count=len(result.calls),
                created_at=datetime.now(UTC),
            )
            try:
                await store.backtests.save(record, drafts, settled)
            except ConflictError as e:
                raise BadInput(e.message) from e
        if json_lines:
            summary = {"type": "summary", **overall.model_dump(mode="json")}
            sys.stdout.write(json.dumps(summary) + "\n")
            return
        symbols = ", ".join(c.symbol for c in result.plan.coins)
        every = fmt.duration(result.plan.every_s)
        console.print(
            f"[bold]Backtest of the offline analyst[/bold]: {symbols} {result.plan.timeframe}, "
            f"{fmt.day(spec.start)} to {fmt.day(spec.end)}, a call every {every} "
            f"({len(result.plan.steps)} steps), replaying {result.source}"
        )
        print_summary(console, overall, by_symbol=Counter(c.draft.symbol for c in result.calls))
        if args.save:
            console.print(f"Saved as {args.save!r}: the web app's Track record shows it.")
    finally:
        if store is not None:
            await store.close()


def _rate(rate: Rate) -> str:
    return f"{rate.value * 100:.1f}%" if rate.value is not None else "—"


def _avg(value: float | None) -> str:
    return fmt.pct(value) if value is not None else "—"


def size(value: float | None) -> str:
    """An excursion: a magnitude, so no sign."""
    return f"{value:.2f}%" if value is not None else "—"


def print_summary(
    console: Console,
    stats: GroupStats,
    by_symbol: Counter[str] | None = None,
    label: str = "offline analyst",
) -> None:
    """The desk against its baselines on the same calls, outcomes, returns and calibration."""
    base = stats.baselines
    table = Table(title="Calls against baselines (same calls, same horizons)")
    for column in ("", "hit rate", "avg return per call", "calls"):
        table.add_column(column, justify="left" if not column else "right")
    table.add_row(
        label,
        _rate(stats.hit_rate),
        _avg(stats.follow_return.value),
        str(stats.settled),
    )
    table.add_row(
        "always bullish",
        _rate(base.always_bullish),
        _avg(base.buy_and_hold.value),
        str(base.always_bullish.n),
    )
    flip = base.coin_flip
    spread = (
        f"{flip.expected * 100:.1f}% ({flip.low * 100:.1f}–{flip.high * 100:.1f}%)"
        if flip.expected is not None and flip.low is not None and flip.high is not None
        else "—"
    )
    table.add_row("coin flip (expected, 95% range)", spread, "+0%", str(flip.n))
    table.add_row("buy and hold", "", _avg(base.buy_and_hold.value), str(base.buy_and_hold.n))
    console.print(table)
    outcomes = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in stats.outcomes.items())
    console.print(f"Outcomes: {outcomes}; pending {stats.pending}.")
    bias = stats.return_by_bias
    console.print(
        "Average horizon return when bullish "
        f"{_avg(bias.bullish.value)} (n={bias.bullish.n}), bearish {_avg(bias.bearish.value)} "
        f"(n={bias.bearish.n}), neutral {_avg(bias.neutral.value)} (n={bias.neutral.n}); "
        f"MFE {size(stats.mfe.value)}, MAE {size(stats.mae.value)}."
    )
    calibration = ", ".join(
        f"{b.low:g}–{b.high:g}: {_rate(b.hit_rate)} (n={b.hit_rate.n})" for b in stats.calibration
    )
    console.print(f"Hit rate by strength: {calibration}.")
    if by_symbol and len(by_symbol) > 1:
        console.print("Calls per symbol: " + ", ".join(f"{k} {v}" for k, v in by_symbol.items()))
    if stats.small_sample:
        console.print(
            f"[yellow]Only {stats.settled} settled calls: too few to tell skill from noise.[/]"
        )
    console.print(
        "Consecutive calls whose horizons overlap are not independent: the coin flip's range "
        "is narrower than the true uncertainty."
    )


async def evaluate_command(settings: Settings, console: Console, *, json_out: bool) -> Pass:
    """One evaluation pass with the market data in force (the settings store, then the
    environment), as the server's scheduled one."""
    store = await Store.open(settings.resolved_database_url)
    from cryptodesk.vault import open_vault

    service = SettingsService(settings, store.settings, open_vault(settings))
    market = None
    try:
        current = await service.effective()
        market = build_market_service(current)
        evaluator = Evaluator(store.calls, lambda: market, every_s=current.calls_evaluate_every_s)
        done = await evaluator.evaluate()
    finally:
        if market is not None:
            await market.aclose()
        await service.aclose()
        await store.close()
    if json_out:
        reasons = Counter(done.pending.values())
        payload = {
            "due": done.due,
            "settled": done.settled,
            "already_settled": done.already,
            "pending": len(done.pending),
            "pending_reasons": dict(reasons),
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return done
    console.print(
        f"{done.due} call(s) due: {done.settled} settled now, {done.already} settled meanwhile "
        f"elsewhere, {len(done.pending)} still pending."
    )
    for reason, count in Counter(done.pending.values()).most_common():
        console.print(f"  {count} pending: {reason}")
    return done
