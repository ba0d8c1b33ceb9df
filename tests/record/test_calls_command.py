"""`cryptodesk calls evaluate | list | summary` as a user runs them: a real answer's call settled
on demand (pending with the reason before its horizon, once only after), listed, exported and
summed up; a saved backtest exported as its `--json` printed it; bad filters exit 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cryptodesk.app import create_app
from cryptodesk.cli import app
from cryptodesk.config import Settings, get_settings
from tests.record.calls import REPLAY_DIR
from tests.runtime.client import ask, chat
from tests.runtime.invariants import check_run
from tests.runtime.server import running
from tests.test_cli import cli

T0 = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    """In-process CLI: the settings of each invocation's environment, not a cached earlier one."""
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _env(data: Path, now: datetime) -> dict[str, str]:
    return {
        "CRYPTODESK_DATA_DIR": str(data),
        "CRYPTODESK_MARKET_DATA": "replay",
        "CRYPTODESK_REPLAY_DIR": str(REPLAY_DIR),
        "CRYPTODESK_REPLAY_NOW": now.isoformat(),
    }


def _lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


async def test_calls_evaluate_settles_an_answers_call_on_demand_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(
        data_dir=data,
        market_data="replay",
        replay_dir=REPLAY_DIR,
        replay_now=T0,
        engine="offline",
        _env_file=None,  # type: ignore[call-arg]
    )
    with running(create_app(settings)) as server:
        frames = await ask(server.ws, chat("Analyze ETH on the 1h chart"))
    check_run(frames, expect="completed")
    run_id = next(f for f in frames if f["type"] == "result")["run_id"]

    early = cli("calls", "evaluate", "--json", env=_env(data, T0 + timedelta(hours=12)))
    assert early.returncode == 0, early.stderr
    reason = "the horizon ends 2026-05-02 00:00 UTC; the data reaches 2026-05-01 12:00 UTC"
    assert _lines(early.stdout) == [
        {"due": 1, "settled": 0, "already_settled": 0, "pending": 1, "pending_reasons": {reason: 1}}
    ], "the replay clock has not traded the 24 x 1h horizon 12 hours on"
    (waiting,) = _lines(cli("calls", "list", "--json", env=_env(data, T0)).stdout)[:-1]
    assert (waiting["status"], waiting["pending_reason"], waiting["outcome"]) == (
        "pending",
        reason,
        None,
    )

    later = _env(data, T0 + timedelta(days=2))
    done = cli("calls", "evaluate", "--json", env=later)
    assert done.returncode == 0, done.stderr
    assert _lines(done.stdout)[0] | {"pending_reasons": None} == {
        "due": 1,
        "settled": 1,
        "already_settled": 0,
        "pending": 0,
        "pending_reasons": None,
    }
    again = cli("calls", "evaluate", "--json", env=later)
    assert _lines(again.stdout)[0]["due"] == 0, "settled once, never again"

    exported = cli("calls", "list", "--json", env=later)
    assert exported.returncode == 0, exported.stderr
    *calls, summary = _lines(exported.stdout)
    (call,) = calls
    assert (call["symbol"], call["timeframe"], call["run_id"]) == ("ETH", "1h", run_id)
    assert call["as_of"] == T0.isoformat() and call["status"] == "settled"
    assert call["outcome"] is not None and call["return_pct"] is not None
    assert summary["type"] == "summary" and summary["settled"] == 1

    table = cli("calls", "list", "--asset", "ethereum", env=later)
    assert table.returncode == 0, table.stderr
    assert f"run {run_id[:8]}" in table.stdout
    assert call["outcome"].replace("_", " ") in table.stdout
    assert "No calls match." in cli("calls", "list", "--asset", "BTC", env=later).stdout

    stats = cli("calls", "summary", "--json", env=later)
    assert stats.returncode == 0, stats.stderr
    body = json.loads(stats.stdout)
    assert body["overall"]["settled"] == 1 and body["overall"]["small_sample"] is True
    (group,) = body["groups"]
    assert (group["engine"], group["timeframe"]) == ("offline", "1h")
    words = cli("calls", "summary", env=later).stdout
    for row in ("the desk", "always bullish", "coin flip", "buy and hold", "Only 1 settled"):
        assert row in words


def test_calls_list_exports_a_saved_backtest_as_it_printed_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    env = {"CRYPTODESK_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    spec = ["--symbols", "BTC,ETH", "--timeframe", "4h", "--start", "2026-05-01"]
    spec += ["--end", "2026-05-15", "--every", "1d", "--data", str(REPLAY_DIR)]
    made = runner.invoke(app, ["backtest", *spec, "--save", "may", "--json"], env=env)
    assert made.exit_code == 0, made.output
    printed = _lines(made.stdout)[:-1]
    get_settings.cache_clear()
    listed = runner.invoke(app, ["calls", "list", "--backtest", "may", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    *exported, summary = _lines(listed.stdout)
    assert len(exported) == len(printed) == 30
    key = ("as_of", "symbol")
    by_key = {tuple(c[k] for k in key): c for c in exported}
    for line in printed:
        assert {k: by_key[tuple(line[k] for k in key)][k] for k in line} == line
    assert {c["engine"] for c in exported} == {"offline"}
    assert all(c["run_id"] is None and c["backtest_id"] for c in exported)
    assert summary["settled"] == 30
    get_settings.cache_clear()
    by_id = runner.invoke(
        app, ["calls", "summary", "--backtest", exported[0]["backtest_id"], "--json"], env=env
    )
    assert by_id.exit_code == 0, by_id.output
    assert json.loads(by_id.stdout)["overall"]["settled"] == 30
    get_settings.cache_clear()
    answers = runner.invoke(app, ["calls", "list"], env=env)
    assert answers.exit_code == 0 and "No calls match." in answers.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["list", "--outcome", "great"], "--outcome: 'great' is not one of hit"),
        (["list", "--status", "done"], "--status: 'done' is not one of pending"),
        (["list", "--timeframe", "3h"], "--timeframe: '3h' is not one of"),
        (["summary", "--since", "yesterday"], "--since: 'yesterday' is not a date"),
        (["list", "--since", "2026-05-02", "--until", "2026-05-01"], "--until must be after"),
        (["summary", "--backtest", "nope"], "no saved backtest is named 'nope'"),
        (["list", "--timeframe", "4h", "--outcome", "hit"], None),
    ],
)
def test_calls_bad_filter_exits_2_with_the_reason(
    runner: CliRunner, tmp_path: Path, arguments: list[str], message: str | None
) -> None:
    result = runner.invoke(
        app, ["calls", *arguments], env={"CRYPTODESK_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    )
    if message is None:  # the control: good filters run
        assert result.exit_code == 0, result.output
        assert "No calls match." in result.output
        return
    assert result.exit_code == 2, result.output
    assert "Cannot list the calls" in result.output
    assert message in result.output
