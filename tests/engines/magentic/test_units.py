"""Small units of the team: prices and budget, memory bounds, failures, the fast-path test,
the framework's telemetry switch."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx2
import openai
import pytest

from cryptodesk.engines.base import HistoryMessage
from cryptodesk.engines.magentic.failures import classify
from cryptodesk.engines.magentic.fastpath import is_simple_lookup
from cryptodesk.engines.magentic.memory import with_history
from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.engines.magentic.usage import PriceTable, UsageMeter
from cryptodesk.engines.offline.intent import parse_intent

TARGET = LlmTarget("openai", "gpt-4o", "gpt-4o-mini", "https://api.openai.com/v1")


def test_price_table_matches_exact_then_longest_prefix() -> None:
    table = PriceTable.build({"my-model": (1.0, 3.0)}, free=False)
    assert table.per_million("gpt-4o-mini-2024-07-18") == (0.15, 0.60)
    assert table.per_million("gpt-4o-2024-08-06") == (2.50, 10.00)
    assert table.cost("my-model", 1_000_000, 1_000_000) == 4.0
    assert table.per_million("llama3") is None
    assert PriceTable.build({}, free=True).cost("llama3", 10**6, 10**6) == 0.0


def test_usage_meter_sums_per_agent_and_checks_the_budget() -> None:
    meter = UsageMeter(PriceTable.build({}, free=False), budget_tokens=1000, budget_usd=None)
    meter.record("Orchestrator", "gpt-4o", 600, 100)
    assert meter.over_budget() is None
    meter.record("TechnicalAnalyst", "gpt-4o-mini", 250, 50)
    assert meter.over_budget() == "1,000 of 1,000 tokens used"
    usage = meter.usage()
    assert (usage.prompt_tokens, usage.completion_tokens) == (850, 150)
    assert usage.cost_usd == round((600 * 2.5 + 100 * 10 + 250 * 0.15 + 50 * 0.6) / 1e6, 6)
    assert [(a.agent, a.calls) for a in usage.by_agent] == [
        ("Orchestrator", 1),
        ("TechnicalAnalyst", 1),
    ]


def test_usage_meter_dollar_budget_and_unknown_price() -> None:
    meter = UsageMeter(PriceTable.build({}, free=False), budget_usd=0.001)
    meter.record("Orchestrator", "gpt-4o", 400, 10)
    assert meter.over_budget() == "$0.0011 of $0.0010 spent"
    meter.record("Orchestrator", "mystery-model", 1, 1)
    assert meter.cost_usd is None


def test_memory_keeps_the_newest_messages_within_the_budget() -> None:
    history = tuple(
        HistoryMessage("user" if i % 2 == 0 else "assistant", f"message {i} " + "x" * 300)
        for i in range(10)
    )
    task = with_history("and ETH?", history, budget_tokens=200)
    assert "message 9" in task and "message 8" in task
    assert "message 0" not in task
    assert task.endswith("and ETH?")
    assert with_history("BTC price?", (), 2000) == "BTC price?"
    assert with_history("and ETH?", history, budget_tokens=0) == "and ETH?"


def test_memory_shortens_long_answers_at_a_word() -> None:
    answer = "BTC closed at 65,530.41 with RSI14 71.35.\n\n" * 80
    task = with_history("and ETH?", (HistoryMessage("assistant", answer),), budget_tokens=2000)
    line = next(line for line in task.splitlines() if line.startswith("Assistant: "))
    assert line.startswith("Assistant: BTC closed") and line.endswith("…")
    shown = line.removeprefix("Assistant: ")[:-1]
    flat = " ".join(answer.split())
    assert len(shown) < 1500 and flat.startswith(shown) and flat[len(shown)] == " "


def test_fast_path_takes_simple_lookups_only() -> None:
    assert is_simple_lookup(parse_intent("What is the price of Bitcoin?"))
    assert is_simple_lookup(parse_intent("ETH 24h change"))
    assert not is_simple_lookup(parse_intent("Analyze BTC on the 4h chart"))
    assert not is_simple_lookup(parse_intent("Compare SOL and AVAX this month"))
    assert not is_simple_lookup(parse_intent("BTC price and RSI"))


def test_failures_are_classified_without_provider_text() -> None:
    request = httpx2.Request("POST", "https://api.openai.com/v1/chat")
    response = httpx2.Response(401, request=request)
    auth = openai.AuthenticationError(
        "Incorrect API key provided: sk-abc***xyz", response=response, body=None
    )
    wrapped = RuntimeError("service failed")
    wrapped.__cause__ = auth
    failure = classify(wrapped, TARGET)
    assert failure.code == "llm_auth"
    assert "sk-" not in failure.message
    assert classify(ConnectionRefusedError(), TARGET).code == "llm_unavailable"
    assert classify(ValueError("odd"), TARGET).code == "llm_team_failed"


@pytest.mark.parametrize(("env", "enabled"), [(None, False), ("true", True), ("false", False)])
def test_framework_telemetry_is_off_unless_the_operator_asks(
    env: str | None, enabled: bool
) -> None:
    # The switch is process-wide and sticky, so each case runs in a fresh interpreter.
    code = (
        "from cryptodesk.engines.magentic.providers import LlmProviders\n"
        "from cryptodesk.engines.magentic.target import LlmTarget\n"
        "from agent_framework.observability import OBSERVABILITY_SETTINGS as S\n"
        "p = LlmProviders(LlmTarget('openai', 'm', 'm', 'http://127.0.0.1:9/v1'))\n"
        "print(p.telemetry, S.ENABLED)\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "ENABLE_INSTRUMENTATION"}
    if env is not None:
        environ["ENABLE_INSTRUMENTATION"] = env
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [str(enabled), str(enabled)]
