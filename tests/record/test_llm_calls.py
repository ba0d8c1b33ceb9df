"""The LLM team's outlook becomes a call too: a real server running the Magentic team on the
loopback fake LLM, whose technical analyst calls `assess_outlook`; the call names the engine and
the model, and is settled like any other once the replayed market has traded its horizon."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
from tests.record.calls import REPLAY_DIR
from tests.runtime.client import ask, chat
from tests.runtime.invariants import check_run
from tests.runtime.server import running
from tests.test_cli import cli

T0 = datetime(2026, 5, 1, tzinfo=UTC)
INSTRUCTION = "Assess the outlook of bitcoin on the 4h chart with assess_outlook."


def outlook_responder(llm: FakeLLM, body: Body, kind: str) -> Reply:
    """One technical analyst turn calling `assess_outlook`, then the report."""
    if kind == "plan":
        return Reply(f"- TechnicalAnalyst: {INSTRUCTION}")
    if kind == "ledger":
        done = llm.count("worker") >= 2
        return Reply(ledger(done, "" if done else "TechnicalAnalyst", "" if done else INSTRUCTION))
    if kind == "worker":
        if not has_tool_result(body):
            return Reply(tool_calls=[("assess_outlook", {"coin": "bitcoin", "timeframe": "4h"})])
        return Reply("TechnicalAnalyst: the outlook is in the assess_outlook result above.")
    if kind in ("report", "final"):
        return Reply("## BTC on the 4h chart\nThe outlook [1: assess_outlook].\n\n### Sources\n1.")
    return default_responder(llm, body, kind)


def _settings(data: Path, llm_url: str) -> Settings:
    return Settings(
        data_dir=data,
        market_data="replay",
        replay_dir=REPLAY_DIR,
        replay_now=T0,
        llm_provider="openai-compatible",
        llm_base_url=llm_url,
        llm_model="fake-model",
        llm_max_retries=0,
        llm_timeout_s=10.0,
        _env_file=None,  # type: ignore[call-arg]
    )


async def test_llm_team_outlook_is_stored_as_a_call_and_settled(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with fake_llm_server(FakeLLM(outlook_responder)) as llm:
        with running(create_app(_settings(data, llm.openai_url))) as server:
            frames = await ask(server.ws, chat("What is the outlook for BTC on the 4h chart?"))
    check_run(frames, expect="completed")
    result = next(f for f in frames if f["type"] == "result")
    assert result["engine"].startswith("magentic:")
    (outlook,) = result["outlook"]

    env = {
        "CRYPTODESK_DATA_DIR": str(data),
        "CRYPTODESK_MARKET_DATA": "replay",
        "CRYPTODESK_REPLAY_DIR": str(REPLAY_DIR),
        "CRYPTODESK_REPLAY_NOW": (T0 + timedelta(days=3)).isoformat(),
    }
    evaluated = cli("calls", "evaluate", "--json", env=env)
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["settled"] == 1

    listed = cli("calls", "list", "--engine", "magentic", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    lines: list[dict[str, Any]] = [json.loads(line) for line in listed.stdout.splitlines()]
    (call,) = lines[:-1]
    assert (call["engine"], call["model"]) == ("magentic", "openai-compatible/fake-model")
    assert (call["run_id"], call["conversation_id"]) == (
        result["run_id"],
        result["conversation_id"],
    )
    assert (call["symbol"], call["timeframe"], call["bias"], call["price"]) == (
        "BTC",
        "4h",
        outlook["bias"],
        outlook["price"],
    )
    assert call["as_of"] == T0.isoformat() == datetime.fromisoformat(outlook["as_of"]).isoformat()
    assert call["status"] == "settled" and call["outcome"] is not None
