"""Engine selection with and without an LLM, a local Ollama, readiness statuses, doctor."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from cryptodesk.config import Settings
from cryptodesk.domain.events import Report
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.magentic.engine import MagenticEngine
from cryptodesk.engines.selection import EngineSelector
from cryptodesk.errors import EngineError
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.terminal.doctor import run_doctor
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer
from tests.fakes import MemoryChartStore, RecordingSink
from tests.runtime.server import free_port

CLOSED = f"http://127.0.0.1:{free_port()}"


def selector(settings: Settings) -> EngineSelector:
    market = MarketDataService(DemoProvider(7), "demo", "test demo")
    return EngineSelector(settings, market, MemoryChartStore())


async def test_auto_without_llm_is_offline_and_magentic_says_what_to_set() -> None:
    engines = selector(Settings(_env_file=None, ollama_url=CLOSED))  # type: ignore[call-arg]
    assert await engines.refresh() is None
    assert engines.for_request(None).name == "offline"
    assert engines.describe() == "offline"
    assert engines.llm_status() == "not_configured"
    with pytest.raises(EngineError, match="CRYPTODESK_LLM_PROVIDER"):
        engines.for_request("magentic")


async def test_offline_engine_reports_offline_llm_status(llm_server: FakeLLMServer) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        engine="offline",
        llm_provider="openai-compatible",
        llm_base_url=llm_server.openai_url,
        llm_model="fake-model",
    )
    engines = selector(settings)
    await engines.refresh()
    assert engines.llm_status() == "offline"
    assert engines.for_request(None).name == "offline"
    assert engines.for_request("magentic").name == "magentic:openai-compatible/fake-model"
    await engines.aclose()


async def test_auto_finds_a_local_ollama(llm_server: FakeLLMServer, llm: FakeLLM) -> None:
    llm.models = ["llama3.2:3b", "qwen3:8b"]
    engines = selector(Settings(_env_file=None, ollama_url=llm_server.url))  # type: ignore[call-arg]
    check = await engines.refresh()
    assert check is not None and check.status == "connected" and check.model == "llama3.2:3b"
    assert engines.describe() == "magentic:ollama/llama3.2:3b"
    assert engines.llm_status() == "connected"
    requests = len(llm.requests)
    await engines.refresh()
    assert len(llm.requests) == requests, "the check is cached"
    await engines.aclose()


async def test_configured_llm_down_is_unreachable() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        llm_provider="openai",
        llm_base_url=CLOSED + "/v1",
        llm_model="gpt-4o-mini",
        llm_api_key="sk-secret-value",
    )
    engines = selector(settings)
    check = await engines.refresh()
    assert check is not None and check.status == "unreachable"
    assert "sk-secret" not in check.detail
    assert engines.llm_status() == "unreachable"
    assert engines.describe() == "magentic:openai/gpt-4o-mini"


async def test_rejected_key_is_unreachable_with_the_reason(
    llm_server: FakeLLMServer, llm: FakeLLM
) -> None:
    llm.fail_status = 401
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        llm_provider="openai-compatible",
        llm_base_url=llm_server.openai_url,
        llm_model="fake-model",
    )
    check = await selector(settings).refresh()
    assert check is not None and check.status == "unreachable"
    assert check.detail == "HTTP 401: the API key was rejected"


async def test_doctor_checks_the_llm(tmp_path: Path, llm_server: FakeLLMServer) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path,
        market_data="demo",
        llm_provider="openai-compatible",
        llm_base_url=llm_server.openai_url,
        llm_model="fake-model",
        port=free_port(),
    )
    console = Console(record=True, width=200)
    await run_doctor(settings, console)
    text = console.export_text()
    assert "magentic:openai-compatible/fake-model" in text
    assert "connected: fake-model" in text and "model listed" in text
    assert "fake-model called the tool" in text and "fake-model answered in JSON" in text


async def test_warm_builds_the_team_once_without_a_request(
    settings: Settings, llm: FakeLLM
) -> None:
    engines = EngineSelector(
        settings,
        MarketDataService(ReplayProvider(settings.replay_dir or Path()), "replay", "test"),
        MemoryChartStore(),
    )
    engines.warm()
    team = engines.for_request(None)
    assert isinstance(team, MagenticEngine)
    # Orchestrator, ReportWriter, four specialists and the fast path's writer; no LLM request.
    assert len(team.roster) == 7
    assert llm.requests == []
    sink = RecordingSink()
    await team.run(RunRequest("run-1", "conv-1", "Analyze BTC on the 4h chart", (), 6), sink)
    assert isinstance(sink.events[-1], Report) and sink.events[-1].engine == team.name
    assert len(team.roster) == 7  # the run used the agents built at start-up
    await engines.aclose()


def test_offline_engine_warms_nothing(settings: Settings) -> None:
    engines = EngineSelector(
        settings.model_copy(update={"engine": "offline"}),
        MarketDataService(DemoProvider(7), "demo", "test demo"),
        MemoryChartStore(),
    )
    engines.warm()
    assert engines.for_request(None).name == "offline"
    team = engines.for_request("magentic")  # asked for explicitly: built on demand
    assert isinstance(team, MagenticEngine) and len(team.roster) == 0
