"""The assembled services of one running CryptoDesk (created by the app's lifespan)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptodesk.charts.images import ChartImages
from cryptodesk.config import Settings
from cryptodesk.engines.selection import EngineSelector
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
    engines: EngineSelector
    runs: RunManager
    chart_images: ChartImages = field(init=False)
    """Rendered PNGs of stored charts, cached in memory."""

    def __post_init__(self) -> None:
        self.chart_images = ChartImages(self.store.charts)

    @classmethod
    async def open(cls, settings: Settings, engine_for: EngineFactory | None = None) -> Desk:
        """Opens the store (migrating it), builds the services, recovers crashed runs.

        `engine_for` replaces the engine selection (tests drive scripted engines with it).
        """
        from cryptodesk.market.service import build_market_service

        store = await Store.open(settings.resolved_database_url)
        hub = Hub()
        market = build_market_service(settings)
        engines = EngineSelector(settings, market, store.charts)
        runs = RunManager(
            store,
            hub,
            engine_for or engines.for_request,
            run_timeout_s=settings.run_timeout_s,
            default_max_turns=settings.max_turns,
        )
        await runs.recover()
        return cls(settings, store, hub, market, engines, runs)

    async def close(self) -> None:
        await self.runs.shutdown()
        self.hub.close_all()
        await self.market.aclose()
        await self.store.close()
