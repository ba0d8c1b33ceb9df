"""Follow-up analyses and scheduled analyses on the real server, in replay mode: the watcher
follows the replay's clock (the end of the files), a firing starts a normal run in the rule's
conversation, and its answer joins the notification and the delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.store.models import ScheduleRow
from cryptodesk.store.store import Store
from tests.runtime.server import LiveServer, running
from tests.shared import shared_market_path
from tests.watch.api import alert, get, post, target
from tests.watch.conftest import until, watch_settings
from tests.watch.receiver import Receiver

REPLAY_END = datetime(2026, 6, 22, 18, tzinfo=UTC)  # close of the files' last 1h candle


@pytest.fixture
def replay_server(tmp_path: Path) -> Iterator[LiveServer]:
    settings: Settings = watch_settings(
        tmp_path,
        "http://127.0.0.1:9/api/v3",
        market_data="replay",
        replay_dir=shared_market_path() / "binance_spot_1h",
    )
    with running(create_app(settings)) as server:
        yield server


def test_followup_run_is_created_linked_and_its_answer_delivered(
    replay_server: LiveServer, receiver: Receiver
) -> None:
    hook = target(replay_server, receiver.url())
    rule = alert(replay_server, "BTC", "price_above", 60_000, target_ids=[hook], follow_up=True)
    notice = until(
        lambda: [
            n
            for n in get(replay_server, "/notifications")["items"]
            if n["follow_up"] and n["follow_up"]["status"] == "completed"
        ],
        60,
    )[0]
    assert notice["rule_id"] == rule
    assert notice["market_time"].startswith("2026-06-22T18:00:00")  # the replay's clock
    assert "replay" in notice["data_labels"]
    follow_up = notice["follow_up"]
    assert follow_up["bottom_line"]
    runs = get(replay_server, f"/conversations/{follow_up['conversation_id']}")["runs"]
    assert [r["id"] for r in runs] == [follow_up["run_id"]]
    assert runs[0]["question"].startswith("Alert: BTC price above $60,000.00. Analyze BTC")
    assert get(replay_server, f"/alerts/{rule}")["conversation_id"] == follow_up["conversation_id"]
    delivered = until(lambda: receiver.delivered, 30)[0]
    assert "What now: " + follow_up["bottom_line"][:40] in delivered.body["message"]


def test_scheduled_analysis_runs_when_due_and_is_delivered(
    replay_server: LiveServer, receiver: Receiver, tmp_path: Path
) -> None:
    hook = target(replay_server, receiver.url())
    made = post(
        replay_server,
        "/schedules",
        {"symbol": "ETH", "cron": "0 8 * * *", "timeframe": "4h", "target_ids": [hook]},
    )
    assert made.status_code == 201, made.text
    schedule = made.json()
    assert schedule["label"] == "ETH on 4h: At 08:00 every day (UTC)"
    assert schedule["next_run_at"].endswith("08:00:00Z")
    asyncio.run(_make_due(tmp_path, schedule["id"]))
    delivered = until(lambda: receiver.delivered, 60)[0]
    assert delivered.body["title"] == "🗓 ETH on 4h: At 08:00 every day (UTC)"
    assert "Scheduled analysis: Analyze ETH on the 4h chart" in delivered.body["message"]
    assert "What now: " in delivered.body["message"]
    after = get(replay_server, "/schedules")[0]
    assert after["last_run_at"] is not None and after["conversation_id"]
    assert after["next_run_at"] > schedule["next_run_at"] or after["next_run_at"].endswith(
        "08:00:00Z"
    )


@pytest.mark.parametrize("cron", ["every day", "0 8 30 2 *", "61 * * * *"])
def test_schedule_with_a_bad_cron_is_a_422(replay_server: LiveServer, cron: str) -> None:
    answer = post(replay_server, "/schedules", {"symbol": "BTC", "cron": cron})
    assert answer.status_code == 422
    assert "cron" in answer.text
    assert get(replay_server, "/schedules") == []


def test_alert_on_a_coin_the_replay_lacks_is_a_422(replay_server: LiveServer) -> None:
    answer = post(
        replay_server,
        "/alerts",
        {"symbol": "SHIB", "condition": {"kind": "price_above", "value": 1}},
    )
    assert answer.status_code == 422
    assert "replay market has no SHIB data" in answer.json()["detail"]


async def _make_due(tmp_path: Path, schedule_id: str) -> None:
    """Moves the schedule's next run into the past, as if 08:00 had come."""
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'cryptodesk.db'}")
    try:
        async with store.engine.begin() as conn:
            await conn.execute(
                update(ScheduleRow)
                .where(ScheduleRow.id == schedule_id)
                .values(next_run_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        await store.close()
