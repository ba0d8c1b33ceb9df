"""Fixtures of the LLM team tests: the loopback fake LLM and engines pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from cryptodesk.config import Settings
from cryptodesk.engines.base import HistoryMessage, RunRequest
from cryptodesk.engines.magentic.budget import DailyCap, SpendBook
from cryptodesk.engines.magentic.engine import MagenticEngine
from cryptodesk.engines.magentic.target import LlmTarget, configured_target
from cryptodesk.engines.magentic.usage import PriceTable
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.registry import ToolRegistry
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer, fake_llm_server
from tests.fakes import MemoryChartStore

_OPEN: list[MagenticEngine] = []


@pytest.fixture(autouse=True)
async def _close_engines() -> AsyncIterator[None]:
    """Engines made by `make_engine` own an HTTP client; each test closes its own."""
    yield
    while _OPEN:
        await _OPEN.pop().aclose()


@pytest.fixture
def llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def llm_server(llm: FakeLLM) -> Iterator[FakeLLMServer]:
    with fake_llm_server(llm) as server:
        yield server


def llm_settings(tmp_path: Path, market_dir: Path, server: FakeLLMServer, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "market_data": "replay",
        "replay_dir": market_dir / "binance_spot_1h",
        "llm_provider": "openai-compatible",
        "llm_base_url": server.openai_url,
        "llm_model": "fake-model",
        "llm_max_retries": 0,
        "llm_timeout_s": 10.0,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer) -> Settings:
    return llm_settings(tmp_path, shared_market_dir, llm_server)


@pytest.fixture
def sequential(tmp_path: Path, shared_market_dir: Path, llm_server: FakeLLMServer) -> Settings:
    """The manager plans and delegates one step at a time (no first round): its own
    behaviours (facts and plan, replans, limits) from the first request on."""
    return llm_settings(tmp_path, shared_market_dir, llm_server, llm_parallel=False)


def make_engine(
    settings: Settings,
    target: LlmTarget | None = None,
    registry: ToolRegistry | None = None,
    spend: SpendBook | None = None,
) -> MagenticEngine:
    """An engine as the desk builds it from `settings`; `spend`: the ledger of the daily cap."""
    market = MarketDataService(
        ReplayProvider(settings.replay_dir or Path()), "replay", "test replay"
    )
    charts = MemoryChartStore()
    target = target or configured_target(settings)
    assert target is not None
    engine = MagenticEngine(
        target,
        market=market,
        charts=charts,
        fallback=OfflineAnalyst(market, charts, 5.0),
        tool_timeout_s=settings.tool_timeout_s,
        history_tokens=settings.llm_history_tokens,
        prices=PriceTable.build(settings.llm_prices, free=False),
        budget_tokens=settings.run_budget_tokens,
        budget_usd=settings.run_budget_usd,
        registry=registry,
        daily=DailyCap(spend, settings.daily_budget_usd, settings.daily_budget_tokens),
        stall_timeout_s=settings.llm_stall_timeout_s,
        parallel=settings.llm_parallel,
    )
    _OPEN.append(engine)
    return engine


def request(
    question: str, *, max_turns: int = 10, history: tuple[HistoryMessage, ...] = ()
) -> RunRequest:
    return RunRequest("run-1", "conv-1", question, history, max_turns)
