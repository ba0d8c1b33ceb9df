"""The backtest: point in time, proven, and the command as a user runs it."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryptodesk.analysis import outlook as outlook_analysis
from cryptodesk.cli import app
from cryptodesk.config import get_settings
from cryptodesk.market.clock import ReplayClock
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.schemas import Candles, Timeframe
from cryptodesk.record.backtest import BacktestSpec, call_line, run_backtest
from cryptodesk.store.calls import CallFilter
from cryptodesk.store.store import Store
from tests.record.calls import REPLAY_DIR
from tests.test_cli import cli

CUT = datetime(2026, 4, 20, tzinfo=UTC)
HORIZON = timedelta(hours=48)  # 12 x 4h
SPEC = BacktestSpec(
    ("BTC",), "4h", datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 5, 10, tzinfo=UTC)
)

FIELDS = {
    "type",
    "symbol",
    "timeframe",
    "as_of",
    "price",
    "bias",
    "strength",
    "support",
    "resistance",
    "invalidation",
    "targets",
    "horizon_end",
    "outcome",
    "return_pct",
    "mfe_pct",
    "mae_pct",
}


def _rewrite_after(source: Path, target: Path, cut: datetime) -> None:
    """A copy of `source` whose candles from `cut` on are a different market (prices scaled by a
    wave, so trends, levels and touches all change)."""
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    out = [rows[0]]
    for k, row in enumerate(rows[1:]):
        opened = datetime.fromtimestamp(int(row[0]) / 1000, tz=UTC)
        if opened >= cut:
            factor = 1.3 + 0.2 * ((k % 17) / 17)
            row = [*row[:2], *(repr(float(v) * factor) for v in row[2:6]), row[6]]
        out.append(row)
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(out)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """BTC's 1h and 4h files as they are, and the same files changed from `CUT` on."""
    real = tmp_path_factory.mktemp("real")
    changed = tmp_path_factory.mktemp("changed")
    for name in ("BTC_USDT_1h.csv", "BTC_USDT_4h.csv"):
        (real / name).write_bytes((REPLAY_DIR / name).read_bytes())
        _rewrite_after(REPLAY_DIR / name, changed / name, CUT)
    return real, changed


class Watched(ReplayProvider):
    """Records every candle window it serves against the clock's now at that moment."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.late: list[str] = []
        self.served = 0

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles:
        candles = await super().get_ohlc(coin_id, timeframe, limit)
        now = self.clock.now
        self.served += 1
        if now is not None and candles.as_of > now:
            self.late.append(f"{timeframe} window to {candles.as_of} at {now}")
        return candles


def _lines(result_calls: object) -> list[str]:
    return [json.dumps(call_line(c), sort_keys=True) for c in result_calls]  # type: ignore[attr-defined]


async def test_backtest_calls_before_the_cut_minus_the_horizon_are_byte_identical(
    folders: tuple[Path, Path],
) -> None:
    real, changed = folders
    before = await run_backtest(real, SPEC)
    after = await run_backtest(changed, SPEC)
    assert len(before.calls) == len(after.calls) == len(before.plan.steps)
    judged_before_cut = 0
    for one, other, call in zip(
        _lines(before.calls), _lines(after.calls), before.calls, strict=True
    ):
        if call.draft.as_of <= CUT - HORIZON:
            assert one == other, f"call as of {call.draft.as_of} saw the future"
            judged_before_cut += 1
    assert judged_before_cut >= 100
    # The change after the cut is real: later calls differ, so equality above is no accident.
    later = [
        (a, b)
        for a, b, call in zip(_lines(before.calls), _lines(after.calls), before.calls, strict=True)
        if call.draft.as_of > CUT
    ]
    assert sum(a != b for a, b in later) > len(later) // 2


async def test_backtest_calls_made_before_the_cut_keep_their_terms(
    folders: tuple[Path, Path],
) -> None:
    """Calls between cut - horizon and the cut are settled on changed candles, but what they
    said is what the data up to their as-of said."""
    real, changed = folders
    before = await run_backtest(real, SPEC)
    after = await run_backtest(changed, SPEC)
    for one, other in zip(before.calls, after.calls, strict=True):
        if one.draft.as_of <= CUT:
            assert one.draft.outlook_json == other.draft.outlook_json


async def test_backtest_outlook_never_receives_a_candle_after_the_clock(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    real, _ = folders
    provider = Watched(real)
    seen: list[tuple[datetime, datetime | None]] = []
    assess = outlook_analysis.assess

    def watched_assess(window: outlook_analysis.Window, *args: object, **kwargs: object) -> object:
        seen.append((window.as_of, provider.clock.now))
        return assess(window, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("cryptodesk.tools.outlook.assess", watched_assess)
    result = await run_backtest(real, SPEC, provider=provider)
    assert provider.served > len(result.plan.steps)
    assert provider.late == []
    assert len(seen) == len(result.plan.steps)
    assert all(now is not None and as_of <= now for as_of, now in seen)


async def test_backtest_steps_fall_on_candle_closes_every_period() -> None:
    spec = BacktestSpec(
        ("BTC", "ETH"),
        "1h",
        datetime(2026, 4, 20, 0, 30, tzinfo=UTC),
        datetime(2026, 4, 22, tzinfo=UTC),
        every_s=6 * 3600,
    )
    result = await run_backtest(REPLAY_DIR, spec)
    assert result.plan.steps[0] == datetime(2026, 4, 20, 1, tzinfo=UTC)
    assert {c.draft.symbol for c in result.calls} == {"BTC", "ETH"}
    assert all(c.status == "settled" for c in result.calls)
    assert all(c.draft.as_of in result.plan.steps for c in result.calls)


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    """In-process CLI: the settings of each invocation's environment, not a cached earlier one."""
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--symbols", "XYZ"], "unknown coin 'XYZ'"),
        (["--start", "2026-06-01", "--end", "2025-09-01"], "--end must be after --start"),
        (["--start", "2020-01-01", "--end", "2020-06-01"], "no data in that range"),
        (["--timeframe", "5m", "--start", "2026-04-01", "--end", "2026-05-01"], "'5m' is not"),
        (["--timeframe", "3h"], "timeframe '3h' is not supported"),
        (["--end", "2026-06-22"], "beyond the data"),
        (["--start", "2025-05-01"], "--start must be 2025-06-22 16:00 or later"),
        (["--start", "soon"], "'soon' is not a date"),
        (["--every", "2h"], "--every must be a whole number of 4h candles"),
        (["--symbols", "SOL", "--start", "2026-04-10", "--end", "2026-05-01"], None),
    ],
)
def test_backtest_bad_input_exits_2_with_the_reason(
    runner: CliRunner, tmp_path: Path, arguments: list[str], message: str | None
) -> None:
    base = {"--symbols": "BTC", "--timeframe": "4h", "--start": "2025-09-01", "--end": "2026-06-01"}
    given = dict(zip(arguments[::2], arguments[1::2], strict=True))
    args = [part for key, value in {**base, **given}.items() for part in (key, value)]
    result = runner.invoke(
        app,
        ["backtest", *args, "--every", given.get("--every", "1w"), "--data", str(REPLAY_DIR)],
        env={"CRYPTODESK_DATA_DIR": str(tmp_path), "COLUMNS": "200"},
    )
    if message is None:  # the control: good input runs
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert "Cannot run the backtest" in result.output
    assert message in result.output


def test_backtest_without_replay_data_says_where_to_point_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["backtest", "--symbols", "BTC", "--start", "2025-09-01", "--end", "2026-06-01"],
        env={"CRYPTODESK_DATA_DIR": str(tmp_path), "CRYPTODESK_REPLAY_DIR": None, "COLUMNS": "200"},
    )
    assert result.exit_code == 2
    assert "--data DIR or set CRYPTODESK_REPLAY_DIR" in result.output


def test_backtest_json_prints_one_object_per_call_then_the_summary(tmp_path: Path) -> None:
    result = cli(
        "backtest",
        "--symbols",
        "BTC",
        "--timeframe",
        "4h",
        "--start",
        "2025-09-01",
        "--end",
        "2026-06-01",
        "--every",
        "1d",
        "--json",
        env={
            "CRYPTODESK_DATA_DIR": str(tmp_path),
            "CRYPTODESK_REPLAY_DIR": str(REPLAY_DIR),
        },
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    calls, summary = lines[:-1], lines[-1]
    assert len(calls) == 274  # 2025-09-01 to 2026-06-01, daily
    assert all(set(c) == FIELDS for c in calls)
    assert all(c["outcome"] is not None for c in calls)
    assert summary["type"] == "summary"
    assert summary["settled"] == 274
    assert {"always_bullish", "coin_flip", "buy_and_hold"} == set(summary["baselines"])


def test_backtest_prints_the_table_against_the_baselines(tmp_path: Path) -> None:
    """The issue's example command, every candle (the default)."""
    result = cli(
        "backtest",
        "--symbols",
        "BTC",
        "--timeframe",
        "4h",
        "--start",
        "2025-09-01",
        "--end",
        "2026-06-01",
        env={"CRYPTODESK_DATA_DIR": str(tmp_path), "CRYPTODESK_REPLAY_DIR": str(REPLAY_DIR)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for row in ("offline analyst", "always bullish", "coin flip", "buy and hold"):
        assert row in out
    assert "(1639 steps)" in out
    assert "Hit rate by strength" in out


def test_backtest_saved_is_stored_with_its_settled_calls(runner: CliRunner, tmp_path: Path) -> None:
    env = {"CRYPTODESK_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    args = ["backtest", "--symbols", "ETH", "--timeframe", "1h", "--start", "2026-05-01"]
    args += [
        "--end",
        "2026-05-08",
        "--every",
        "1d",
        "--data",
        str(REPLAY_DIR),
        "--save",
        "eth week",
    ]
    first = runner.invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    assert "Saved as 'eth week'" in first.output
    get_settings.cache_clear()
    again = runner.invoke(app, args, env=env)
    assert again.exit_code == 2
    assert "a backtest named 'eth week' is already saved" in again.output
    asyncio.run(_check_saved(f"sqlite+aiosqlite:///{tmp_path / 'cryptodesk.db'}"))


async def _check_saved(url: str) -> None:
    store = await Store.open(url)
    try:
        (saved,) = await store.backtests.list()
        assert (saved.name, saved.symbols, saved.timeframe, saved.call_count) == (
            "eth week",
            ("ETH",),
            "1h",
            8,
        )
        calls, total = await store.calls.page(CallFilter(backtest_id=saved.id), 50, 0)
        assert total == 8 and all(c.status == "settled" for c in calls)
        _, runs_calls = await store.calls.page(CallFilter(), 50, 0)
        assert runs_calls == 0, "a backtest's calls are not the runs' calls"
    finally:
        await store.close()


def test_replay_clock_is_what_the_backtest_moves() -> None:
    """The backtest's provider starts without a clock and gets one: the spec is checked against
    the files, the calls against the clock."""
    provider = ReplayProvider(REPLAY_DIR)
    assert provider.clock.now is None
    provider.clock = ReplayClock(CUT)
    assert provider.clock.now == CUT
