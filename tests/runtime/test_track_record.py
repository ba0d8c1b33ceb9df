"""The track record on a real server: a question's outlook becomes a call, the server settles it
on its schedule once the (replayed) market has traded the horizon, restarts lose nothing and
settle nothing twice; the calls API, its 422s, backtests and feedback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.domain.calls import CallDraft, Settlement
from cryptodesk.market.replay import load_csv
from cryptodesk.record.settlement import settle
from tests.record.calls import REPLAY_DIR, btc_4h, call_at
from tests.runtime.client import ask, chat
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running
from tests.test_cli import cli

T0 = datetime(2026, 5, 1, tzinfo=UTC)
QUESTION = "Analyze BTC on the 4h chart"


def _settings(data: Path, now: datetime, every_s: float = 3600.0) -> Settings:
    return Settings(
        data_dir=data,
        market_data="replay",
        replay_dir=REPLAY_DIR,
        replay_now=now,
        engine="offline",
        calls_evaluate_every_s=every_s,
        _env_file=None,  # type: ignore[call-arg]
    )


def _calls(server: LiveServer, **query: Any) -> dict[str, Any]:
    response = httpx.get(f"{server.http}/api/v1/calls", params=query, timeout=10)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _until_settled(server: LiveServer, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = _calls(server)["items"]
        if items and all(c["status"] == "settled" for c in items):
            return items[0]
        time.sleep(0.1)
    raise AssertionError(f"not settled in {timeout_s} s: {_calls(server)}")


async def test_call_is_stored_with_its_run_and_settled_once_after_restarts(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with running(create_app(_settings(data, T0))) as server:
        frames = await ask(server.ws, chat(QUESTION))
        check_run(frames, expect="completed")
        result = next(f for f in frames if f["type"] == "result")
        (outlook,) = result["outlook"]
        page = _calls(server)
        assert page["total"] == 1
        (call,) = page["items"]
        assert (call["run_id"], call["conversation_id"]) == (
            result["run_id"],
            result["conversation_id"],
        )
        assert (call["symbol"], call["timeframe"], call["engine"]) == ("BTC", "4h", "offline")
        assert (
            datetime.fromisoformat(call["as_of"]) == T0 == datetime.fromisoformat(outlook["as_of"])
        )
        assert (call["price"], call["bias"], call["invalidation"]) == (
            outlook["price"],
            outlook["bias"],
            outlook["invalidation"],
        )
        assert call["status"] == "pending"
        assert call["pending_reason"].startswith("waiting for the horizon to end")
        assert "replay" in call["data_labels"]

    # Three days later in the replay: the scheduled evaluation settles it.
    later = T0 + timedelta(days=3)
    with running(create_app(_settings(data, later, every_s=0.2))) as server:
        settled = _until_settled(server)
        assert settled["id"] == call["id"] and settled["as_of"] == call["as_of"]
        series = load_csv(REPLAY_DIR / "BTC_USDT_4h.csv")
        index = int(series.time.searchsorted(int(T0.timestamp()))) - 1
        assert series.time[index] + 4 * 3600 == T0.timestamp()
        assert series.close[index] == call["price"]
        draft = _draft(settled)
        expected = settle(draft, series, source="replay:BTC_USDT_4h.csv", settled_at=T0)
        assert isinstance(expected, Settlement)
        outcome = settled["settlement"]
        assert (outcome["outcome"], outcome["return_pct"]) == (
            expected.outcome,
            pytest.approx(expected.return_pct),
        )
        assert len(outcome["path"]) == expected.candles + 6
        exported = _export(server, settled["conversation_id"])
        outlook_at = exported.index("- Outlook BTC 4h as of 2026-05-01 00:00 UTC")
        track = exported.index("  - Track record: ", outlook_at)
        assert exported[track:].startswith(
            f"  - Track record: {expected.outcome.replace('_', ' ')}, "
            f"{expected.return_pct:+.2f}% by 2026-05-03 00:00 UTC"
        )

    with running(create_app(_settings(data, later + timedelta(days=3), every_s=0.2))) as server:
        time.sleep(1.0)  # several passes of the scheduled evaluation
        (again,) = _calls(server)["items"]
        assert again["settlement"] == settled["settlement"]
    evaluated = cli(
        "calls",
        "evaluate",
        "--json",
        env={
            "CRYPTODESK_DATA_DIR": str(data),
            "CRYPTODESK_MARKET_DATA": "replay",
            "CRYPTODESK_REPLAY_DIR": str(REPLAY_DIR),
        },
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert '"due": 0' in evaluated.stdout


def _draft(call: dict[str, Any]) -> CallDraft:
    """The call's terms, rebuilt on the real series for `settle` to judge independently."""
    series = btc_4h()
    as_of = datetime.fromisoformat(call["as_of"]).timestamp()
    index = int(series.time.searchsorted(int(as_of))) - 1
    return replace(
        call_at(series, index, call["bias"]),
        invalidation=call["invalidation"],
        bull_target=call["targets"]["bull"],
        bear_target=call["targets"]["bear"],
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("record") / "data"
    with running(create_app(_settings(data, T0))) as live:
        yield live


@pytest.fixture(scope="module")
def asked(server: LiveServer) -> list[dict[str, Any]]:
    frames = asyncio.run(ask(server.ws, chat(QUESTION)))
    check_run(frames, expect="completed")
    return frames


@pytest.mark.parametrize(
    "query",
    [
        {"timeframe": "3h"},
        {"outcome": "great"},
        {"status": "done"},
        {"since": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"},
        {"since": "not a date"},
        {"until": "0.5"},
        {"since": "2026-05-01"},
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"asset": "B T C"},
        {"engine": "Offline!"},
    ],
)
def test_calls_api_rejects_a_bad_filter_with_a_422(
    server: LiveServer, query: dict[str, Any]
) -> None:
    response = httpx.get(f"{server.http}/api/v1/calls", params=query)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "bad_request"
    assert body["detail"][0]["loc"][0] == "query"


def test_calls_api_filters_what_it_lists(server: LiveServer, asked: list[dict[str, Any]]) -> None:
    assert _calls(server, asset="btc")["total"] == 1
    assert _calls(server, asset="bitcoin")["total"] == 1
    assert _calls(server, asset="ETH")["total"] == 0
    assert _calls(server, timeframe="4h", engine="offline", status="pending")["total"] == 1
    assert _calls(server, engine="magentic")["total"] == 0
    assert _calls(server, outcome="hit")["total"] == 0
    assert _calls(server, since="2026-05-01T00:00:00Z")["total"] == 1
    assert _calls(server, until="2026-05-01T00:00:00Z")["total"] == 0
    page = _calls(server, limit=1, offset=1)
    assert (page["items"], page["limit"], page["offset"]) == ([], 1, 1)


def test_calls_api_answers_404_for_unknown_ids(server: LiveServer) -> None:
    for path in ("/api/v1/calls/nope", "/api/v1/backtests/nope", "/api/v1/calls?backtest=nope"):
        response = httpx.get(f"{server.http}{path}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path


def test_calls_api_serves_one_call(server: LiveServer, asked: list[dict[str, Any]]) -> None:
    (call,) = _calls(server)["items"]
    one = httpx.get(f"{server.http}/api/v1/calls/{call['id']}").json()
    assert one == call


def test_summary_counts_the_calls_next_to_the_baselines(
    server: LiveServer, asked: list[dict[str, Any]]
) -> None:
    summary = httpx.get(f"{server.http}/api/v1/calls/summary").json()
    overall = summary["overall"]
    assert (overall["calls"], overall["pending"], overall["settled"]) == (1, 1, 0)
    assert overall["hit_rate"] == {"value": None, "n": 0}
    assert overall["small_sample"] is True
    assert set(overall["baselines"]) == {"always_bullish", "coin_flip", "buy_and_hold"}
    assert [(g["engine"], g["timeframe"]) for g in summary["groups"]] == [("offline", "4h")]
    assert summary["small_sample"] == 30


def test_feedback_is_stored_with_the_run_and_counted(
    server: LiveServer, asked: list[dict[str, Any]]
) -> None:
    run_id, conversation_id = asked[0]["run_id"], asked[0]["conversation_id"]
    url = f"{server.http}/api/v1/runs/{run_id}/feedback"
    down = httpx.put(url, json={"rating": "down", "reasons": ["wrong_number", "outdated_data"]})
    assert down.status_code == 200, down.text
    assert down.json()["reasons"] == ["wrong_number", "outdated_data"]
    detail = httpx.get(f"{server.http}/api/v1/conversations/{conversation_id}").json()
    assert detail["runs"][0]["feedback"]["rating"] == "down"
    feedback = httpx.get(f"{server.http}/api/v1/calls/summary").json()["feedback"]
    assert (feedback["up"], feedback["down"]) == (0, 1)
    assert feedback["reasons"] == {
        "wrong_number": 1,
        "wrong_coin": 0,
        "not_useful": 0,
        "outdated_data": 1,
    }
    assert feedback["by_engine"] == {"offline": {"up": 0, "down": 1}}
    exported = _export(server, conversation_id)
    assert "- Feedback: thumbs down (wrong number, outdated data)" in exported
    assert "  - Track record: pending: waiting for the horizon to end" in exported

    assert httpx.put(url, json={"rating": "up"}).json()["rating"] == "up"  # changed mind
    assert httpx.get(f"{server.http}/api/v1/runs/{run_id}").json()["feedback"]["rating"] == "up"
    bad = httpx.put(url, json={"rating": "up", "reasons": ["not_useful"]})
    assert bad.status_code == 422
    assert httpx.put(url, json={"rating": "down", "reasons": ["rude"]}).status_code == 422
    assert httpx.put(url, json={"rating": "meh"}).status_code == 422
    unknown = httpx.put(f"{server.http}/api/v1/runs/nope/feedback", json={"rating": "up"})
    assert unknown.status_code == 404
    assert httpx.delete(url).status_code == 204
    detail = httpx.get(f"{server.http}/api/v1/conversations/{conversation_id}").json()
    assert detail["runs"][0]["feedback"] is None
    assert "Feedback:" not in _export(server, conversation_id)


def _export(server: LiveServer, conversation_id: str) -> str:
    response = httpx.get(f"{server.http}/api/v1/conversations/{conversation_id}/export")
    response.raise_for_status()
    return response.text


def test_saved_backtest_is_listed_with_its_calls_and_summary(
    server: LiveServer, tmp_path: Path
) -> None:
    data = server.app.state.desk.settings.data_dir
    saved = cli(
        "backtest",
        "--symbols",
        "BTC",
        "--timeframe",
        "4h",
        "--start",
        "2026-04-01",
        "--end",
        "2026-04-30",
        "--every",
        "1d",
        "--save",
        "april",
        env={"CRYPTODESK_DATA_DIR": str(data), "CRYPTODESK_REPLAY_DIR": str(REPLAY_DIR)},
        timeout=120,
    )
    assert saved.returncode == 0, saved.stderr
    (listed,) = httpx.get(f"{server.http}/api/v1/backtests").json()
    assert (listed["name"], listed["symbols"], listed["call_count"]) == ("april", ["BTC"], 30)
    detail = httpx.get(f"{server.http}/api/v1/backtests/{listed['id']}").json()
    assert detail["summary"]["overall"]["settled"] == 30
    assert detail["summary"]["feedback"] is None
    calls = _calls(server, backtest=listed["id"], limit=100)
    assert calls["total"] == 30
    assert all(c["run_id"] is None and c["backtest_id"] == listed["id"] for c in calls["items"])
    assert _calls(server)["total"] == 1, "the runs' calls stay apart from the backtest's"
