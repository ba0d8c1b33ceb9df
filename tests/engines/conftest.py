from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.base import AnyTool, ToolContext, ToolResult
from cryptodesk.tools.registry import ToolRegistry, build_registry
from tests.fakes import MemoryChartStore
from tests.offline_bitget import Script, offline_exchange


class RecordingTool:
    """Wraps a tool and keeps every full result, so tests can check the report against them."""

    def __init__(self, inner: AnyTool, results: list[ToolResult]) -> None:
        self._inner = inner
        self._results = results
        self.name = inner.name
        self.description = inner.description
        self.args_schema = inner.args_schema
        self.result_schema = inner.result_schema

    async def invoke(self, context: ToolContext, arguments: Mapping[str, object]) -> ToolResult:
        result = await self._inner.invoke(context, arguments)
        self._results.append(result)
        return result


class Desk:
    def __init__(self, market: MarketDataService, exchange: ExchangeService | None = None) -> None:
        self.market = market
        self.charts = MemoryChartStore()
        self.results: list[ToolResult] = []
        base = build_registry()
        registry = ToolRegistry(RecordingTool(base.get(n), self.results) for n in base.names())
        self.engine = OfflineAnalyst(market, self.charts, 5.0, registry=registry, exchange=exchange)


@pytest.fixture
def replay_desk(shared_market_dir: Path) -> Desk:
    provider = ReplayProvider(shared_market_dir / "binance_spot_1h")
    return Desk(MarketDataService(provider, "replay", "test replay"))


@pytest.fixture
def demo_desk() -> Desk:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    return Desk(MarketDataService(DemoProvider(7, clock=lambda: now), "demo", "test demo"))


@pytest.fixture
async def bitget_desk(shared_market_dir: Path) -> AsyncIterator[Desk]:
    """Replayed market data and the offline ccxt Bitget, with API keys."""
    exchange = offline_exchange(Script())
    provider = ReplayProvider(shared_market_dir / "binance_spot_1h")
    yield Desk(MarketDataService(provider, "replay", "test replay"), exchange)
    await exchange.aclose()


@pytest.fixture
async def keyless_bitget_desk(shared_market_dir: Path) -> AsyncIterator[Desk]:
    """Like `bitget_desk`, without API keys."""
    exchange = offline_exchange(Script(), keys=False)
    provider = ReplayProvider(shared_market_dir / "binance_spot_1h")
    yield Desk(MarketDataService(provider, "replay", "test replay"), exchange)
    await exchange.aclose()
