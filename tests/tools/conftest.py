from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.base import ToolContext
from tests.fakes import MemoryChartStore


@pytest.fixture
def replay_market(shared_market_dir: Path) -> MarketDataService:
    provider = ReplayProvider(shared_market_dir / "binance_spot_1h")
    return MarketDataService(provider, "replay", "test replay")


@pytest.fixture
def demo_market() -> MarketDataService:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    return MarketDataService(DemoProvider(7, clock=lambda: now), "demo", "test demo")


@pytest.fixture
def charts() -> MemoryChartStore:
    return MemoryChartStore()


@pytest.fixture
def context(replay_market: MarketDataService, charts: MemoryChartStore) -> ToolContext:
    return ToolContext(replay_market, charts, "run-1", "conv-1")
