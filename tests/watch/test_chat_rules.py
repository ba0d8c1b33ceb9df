"""Rules made from the chat, with both engines, on the real server (replay market): the desk
proposes what it understood (inactive, shown in plain words), and only the person's "yes" makes
it watch. The LLM team's path runs against the scripted fake LLM; its "yes" costs no LLM call."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.engines.magentic.fake_llm import (
    Body,
    FakeLLM,
    Reply,
    default_responder,
    fake_llm_server,
    has_tool_result,
    ledger,
)
from tests.runtime.client import ask, chat
from tests.runtime.server import LiveServer, running
from tests.shared import shared_market_path
from tests.watch.api import get
from tests.watch.conftest import until, watch_settings


def replay_settings(tmp_path: Path, **extra: Any) -> Settings:
    return watch_settings(
        tmp_path,
        "http://127.0.0.1:9/api/v3",
        market_data="replay",
        replay_dir=shared_market_path() / "binance_spot_1h",
        **extra,
    )


def result(frames: list[dict[str, Any]]) -> dict[str, Any]:
    return next(f for f in frames if f["type"] == "result")


@pytest.fixture
def offline_server(tmp_path: Path) -> Iterator[LiveServer]:
    with running(create_app(replay_settings(tmp_path))) as server:
        yield server


def test_chat_alert_is_proposed_then_confirmed_by_yes_offline(offline_server: LiveServer) -> None:
    frames = asyncio.run(ask(offline_server.ws, chat("alert me if BTC goes above 60k")))
    answer = result(frames)
    assert answer["answer_kind"] == "clarification"
    proposed = answer["watch_actions"][0]
    assert proposed["action"] == "alert_proposed"
    assert proposed["label"] == "BTC price above $60,000.00"
    assert answer["bottom_line"].startswith("I understood: alert me when **BTC price above")
    calls = [f for f in frames if f["type"] == "tool_call"]
    assert [(c["tool_name"], c["arguments"]) for c in calls] == [
        ("propose_alert", {"coin": "bitcoin", "kind": "price_above", "value": 60000.0})
    ]
    rule = get(offline_server, f"/alerts/{proposed['alert_id']}")
    assert (rule["status"], rule["origin"]) == ("proposed", "chat")
    # Met already (BTC replays at 64,468), but a proposal is not watched: nothing fires.
    until(lambda: get(offline_server, "/watchlist")["watcher"]["last_update_at"])
    assert get(offline_server, "/notifications")["items"] == []

    conversation = frames[0]["conversation_id"]
    yes = asyncio.run(ask(offline_server.ws, chat("yes", conversation_id=conversation)))
    confirmed = result(yes)["watch_actions"][0]
    assert (confirmed["action"], confirmed["alert_id"]) == ("alert_confirmed", proposed["alert_id"])
    fired = until(lambda: get(offline_server, "/notifications")["items"])
    assert fired[0]["rule_id"] == proposed["alert_id"]


def test_chat_watch_coin_offline_is_done_with_undo(offline_server: LiveServer) -> None:
    frames = asyncio.run(ask(offline_server.ws, chat("watch ETH")))
    action = result(frames)["watch_actions"][0]
    assert (action["action"], action["symbol"]) == ("watched", "ETH")
    assert [i["symbol"] for i in get(offline_server, "/watchlist")["items"]] == ["ETH"]
    asyncio.run(ask(offline_server.ws, chat("stop watching ETH")))
    assert get(offline_server, "/watchlist")["items"] == []


def test_chat_alert_without_a_number_asks_instead_of_guessing(offline_server: LiveServer) -> None:
    answer = result(asyncio.run(ask(offline_server.ws, chat("alert me when BTC drops a lot"))))
    assert answer["answer_kind"] == "clarification"
    assert "no alert was proposed" in answer["content"]
    assert get(offline_server, "/alerts") == []


def test_chat_yes_without_a_proposal_saves_nothing(offline_server: LiveServer) -> None:
    answer = result(asyncio.run(ask(offline_server.ws, chat("yes"))))
    assert answer["answer_kind"] == "cannot_answer"
    assert "no proposed alert" in answer["content"]


def alert_responder(llm: FakeLLM, body: Body, kind: str) -> Reply:
    """The team understands the request: the CryptoMarketAnalyst proposes the alert."""
    if kind == "ledger":
        done = llm.count("worker") >= 2
        instruction = "Propose the alert: BTC price above 60000 (propose_alert)."
        return Reply(
            ledger(done, "" if done else "CryptoMarketAnalyst", "" if done else instruction)
        )
    if kind == "worker":
        if not has_tool_result(body):
            arguments = {"coin": "BTC", "kind": "price_above", "value": 60000}
            return Reply(tool_calls=[("propose_alert", arguments)])
        return Reply("Proposed the alert with propose_alert; the user must confirm it.")
    if kind in ("report", "final"):
        return Reply("## Alert\nAn alert on BTC above $60,000 was proposed [1: propose_alert].")
    return default_responder(llm, body, kind)


def test_chat_alert_is_proposed_by_the_llm_team_and_confirmed_without_it(tmp_path: Path) -> None:
    llm = FakeLLM(alert_responder)
    with fake_llm_server(llm) as fake:
        settings = replay_settings(
            tmp_path,
            engine="magentic",
            llm_provider="openai-compatible",
            llm_base_url=fake.openai_url,
            llm_model="fake-model",
            llm_max_retries=0,
        )
        with running(create_app(settings)) as server:
            frames = asyncio.run(ask(server.ws, chat("Alert me if BTC goes above 60k")))
            answer = result(frames)
            assert answer["engine"] != "offline"
            proposed = answer["watch_actions"][0]
            assert (proposed["action"], proposed["label"]) == (
                "alert_proposed",
                "BTC price above $60,000.00",
            )
            # The desk's own words follow the model's, whatever it wrote.
            assert (
                "Proposed alert (not active yet): **BTC price above $60,000.00**"
                in (answer["content"])
            )
            assert get(server, f"/alerts/{proposed['alert_id']}")["status"] == "proposed"
            calls_before = len(llm.requests)
            conversation = frames[0]["conversation_id"]
            yes = asyncio.run(ask(server.ws, chat("yes", conversation_id=conversation)))
            assert result(yes)["watch_actions"][0]["action"] == "alert_confirmed"
            assert len(llm.requests) == calls_before  # no model took part in the confirmation
            assert get(server, f"/alerts/{proposed['alert_id']}")["status"] == "active"
