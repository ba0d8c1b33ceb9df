"""Every provider's route against the loopback server, JSON mode on the ledger call only, the
fast path and conversation memory."""

from __future__ import annotations

from pathlib import Path

from cryptodesk.config import Settings
from cryptodesk.domain.events import Report, ToolCalled
from cryptodesk.engines.base import HistoryMessage
from cryptodesk.engines.magentic.target import configured_target
from tests.engines.magentic.conftest import llm_settings, make_engine, request
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer
from tests.fakes import RecordingSink


async def test_openai_compatible_json_mode_only_on_ledger_calls(
    settings: Settings, llm: FakeLLM
) -> None:
    sink = RecordingSink()
    await make_engine(settings).run(request("Analyze BTC on the 4h chart"), sink)
    assert all(r.path == "/v1/chat/completions" for r in llm.requests)
    for r in llm.requests:
        expected = {"type": "json_object"} if r.kind == "ledger" else None
        assert r.body.get("response_format") == expected, r.kind
    worker = next(r for r in llm.of_kind("worker") if r.agent == "CryptoMarketAnalyst")
    assert worker.body["stream"] is True
    assert {t["function"]["name"] for t in worker.body["tools"]} == {
        "get_crypto_price",
        "compare_assets",
        "get_market_overview",
        "get_trending",
        "search_coins",
        "propose_alert",
        "watch_coin",
        "unwatch_coin",
    }


async def test_azure_route_uses_the_deployment_and_api_version(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    settings = llm_settings(
        tmp_path,
        shared_market_dir,
        llm_server,
        llm_provider="azure",
        llm_base_url=None,
        llm_model=None,
        azure_openai_endpoint=llm_server.url,
        azure_openai_deployment="crypto-dep",
        llm_api_key="azure-secret-key",
    )
    sink = RecordingSink()
    await make_engine(settings).run(request("Analyze BTC on the 4h chart"), sink)
    paths = {r.path for r in llm.requests}
    assert paths == {"/openai/deployments/crypto-dep/chat/completions?api-version=2024-10-21"}
    assert all(r.headers.get("api-key") == "azure-secret-key" for r in llm.requests)
    report = sink.events[-1]
    assert isinstance(report, Report) and report.engine == "magentic:azure/crypto-dep"


async def test_ollama_native_route(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    settings = llm_settings(
        tmp_path,
        shared_market_dir,
        llm_server,
        llm_provider="ollama",
        llm_base_url=None,
        ollama_url=llm_server.url,
        llm_model="qwen3:8b",
    )
    sink = RecordingSink()
    await make_engine(settings).run(request("Analyze BTC on the 4h chart"), sink)
    assert {r.path for r in llm.requests} == {"/api/chat"}
    assert {r.body["model"] for r in llm.requests} == {"qwen3:8b"}
    assert not any("format" in r.body for r in llm.requests if r.kind == "ledger")
    assert "get_crypto_price" in [e.tool_name for e in sink.of_type(ToolCalled)]
    report = sink.events[-1]
    assert isinstance(report, Report) and report.engine == "magentic:ollama/qwen3:8b"
    assert report.usage.prompt_tokens == llm.prompt_tokens
    assert report.usage.cost_usd is None  # make_engine prices by the table: unknown model


async def test_models_per_role(
    tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    settings = llm_settings(
        tmp_path,
        shared_market_dir,
        llm_server,
        llm_orchestrator_model="gpt-4o",
        llm_worker_model="gpt-4o-mini",
    )
    target = configured_target(settings)
    assert target is not None and target.label == "magentic:openai-compatible/gpt-4o+gpt-4o-mini"
    sink = RecordingSink()
    await make_engine(settings).run(request("Analyze BTC on the 4h chart"), sink)
    models = {r.kind: {q.body["model"] for q in llm.of_kind(r.kind)} for r in llm.requests}
    assert models["ledger"] == {"gpt-4o"}
    assert models["worker"] == models["report"] == {"gpt-4o-mini"}
    report = sink.events[-1]
    assert isinstance(report, Report)
    by_agent = {a.agent: a for a in report.usage.by_agent}
    # The first round: one reading turn per data specialist; the manager judged once.
    assert by_agent["Orchestrator"].calls == 1 and by_agent["CryptoMarketAnalyst"].calls == 1
    assert report.usage.cost_usd is not None and report.usage.cost_usd > 0


async def test_fast_path_is_one_tool_call_and_one_llm_turn(
    settings: Settings, llm: FakeLLM
) -> None:
    sink = RecordingSink()
    await make_engine(settings).run(request("What is the price of BTC?"), sink)
    assert [r.kind for r in llm.requests] == ["fast"]
    assert "tools" not in llm.requests[0].body
    assert [e.tool_name for e in sink.of_type(ToolCalled)] == ["get_crypto_price"]
    assert "Bitcoin (BTC) $" in llm.requests[0].last_text
    report = sink.events[-1]
    assert isinstance(report, Report)
    assert report.agents_used == ("CryptoMarketAnalyst", "ReportWriter")
    assert report.usage.prompt_tokens == llm.prompt_tokens


async def test_fast_path_resolves_a_follow_up_from_history(
    settings: Settings, llm: FakeLLM
) -> None:
    history = (
        HistoryMessage("user", "What is the price of BTC?"),
        HistoryMessage("assistant", "BTC is at $64,468."),
    )
    sink = RecordingSink()
    await make_engine(settings).run(request("and ETH 24h change?", history=history), sink)
    assert [e.arguments for e in sink.of_type(ToolCalled)] == [{"coin": "ethereum"}]


async def test_team_task_carries_the_conversation(settings: Settings, llm: FakeLLM) -> None:
    history = (
        HistoryMessage("user", "Analyze BTC on the 4h chart"),
        HistoryMessage("assistant", "## BTC\nUptrend above the 50 SMA."),
    )
    await make_engine(settings).run(
        request("and what about ETH on the daily chart?", history=history), RecordingSink()
    )
    # The task (the question after the history) reaches the manager's progress ledger.
    facts = llm.of_kind("ledger")[0].last_text
    assert "User: Analyze BTC on the 4h chart" in facts
    assert "Assistant: ## BTC Uptrend above the 50 SMA." in facts
    assert facts.index("User: Analyze BTC") < facts.index("and what about ETH on the daily chart?")
