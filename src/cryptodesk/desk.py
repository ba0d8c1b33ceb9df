"""The assembled services of one running CryptoDesk (created by the app's lifespan)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptodesk.charts.images import ChartImages
from cryptodesk.config import Settings
from cryptodesk.engines.selection import EngineSelector
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.service import MarketDataService
from cryptodesk.realtime.hub import Hub
from cryptodesk.runs.manager import EngineFactory, RunManager
from cryptodesk.store.store import Store


@dataclass(eq=False)
class Desk:
    settings: Settings
    store: Store
    hub: Hub
    market: MarketDataService
    exchange: ExchangeService
    engines: EngineSelector
    runs: RunManager
    chart_images: ChartImages = field(init=False)
    """Rendered PNGs of stored charts, cached in memory."""

    def __post_init__(self) -> None:
        self.chart_images = ChartImages(self.store.charts)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        engine_for: EngineFactory | None = None,
        *,
        exchange: ExchangeService | None = None,
    ) -> Desk:
        """Opens the store (migrating it), builds the services, recovers crashed runs.

        `engine_for` replaces the engine selection (tests drive scripted engines with it);
        `exchange` replaces the gateway built from the settings (tests pass an offline one).
        The desk owns and closes either.
        """
        from cryptodesk.market.exchange_service import build_exchange
        from cryptodesk.market.service import build_market_service

        store = await Store.open(settings.resolved_database_url)
        hub = Hub()
        market = build_market_service(settings)
        exchange = exchange or build_exchange(settings)  # lazy: connects on first use
        engines = EngineSelector(settings, market, store.charts, exchange)
        await engines.refresh()  # checks the LLM; `auto` may find a local Ollama
        runs = RunManager(
            store,
            hub,
            engine_for or engines.for_request,
            run_timeout_s=settings.run_timeout_s,
            default_max_turns=settings.max_turns,
        )
        await runs.recover()
        return cls(settings, store, hub, market, exchange, engines, runs)

    async def close(self) -> None:
        await self.runs.shutdown()
        await self.engines.aclose()
        self.hub.close_all()
        await self.market.aclose()
        await self.exchange.aclose()
        await self.store.close()
