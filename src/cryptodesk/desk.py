"""The assembled services of one running CryptoDesk (created by the app's lifespan)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptodesk.access.sessions import SessionBook
from cryptodesk.charts.images import ChartImages
from cryptodesk.cluster.replica import LocalReplica, Replica, SharedReplica, replica_id
from cryptodesk.cluster.singleton import Singletons
from cryptodesk.config import Settings
from cryptodesk.engines.base import Engine
from cryptodesk.engines.selection import EngineSelector
from cryptodesk.filemodes import private_dir
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.service import MarketDataService
from cryptodesk.realtime.hub import Hub
from cryptodesk.record.evaluator import JOB_NAME, Evaluator
from cryptodesk.runs.manager import EngineFactory, RunManager
from cryptodesk.settings.service import SettingsService
from cryptodesk.store.counters import SETTINGS
from cryptodesk.store.db import sqlite_path
from cryptodesk.store.servinglock import ServingLock
from cryptodesk.store.store import Store
from cryptodesk.watch.service import Services, WatchDesk

log = logging.getLogger(__name__)

ExchangeBuilder = Callable[[Settings], ExchangeService]


@dataclass(eq=False)
class Desk:
    settings: Settings
    """In force for the next run: the settings store, then the environment, then defaults."""
    store: Store
    hub: Hub
    market: MarketDataService
    exchange: ExchangeService
    engines: EngineSelector
    runs: RunManager
    settings_service: SettingsService
    build_exchange: ExchangeBuilder
    watch: WatchDesk
    """Watchlist, alert rules, notifications, scheduled analyses and their jobs."""
    fixed_exchange: bool = False
    """An exchange given to `open()` is kept when settings change (tests)."""
    chart_images: ChartImages = field(init=False)
    """Rendered PNGs of stored charts, cached in memory."""
    sessions: SessionBook = field(init=False)
    """Which login sessions are still valid (logout, log out everywhere)."""
    singletons: Singletons = field(init=False)
    """Cluster-wide jobs: each runs in exactly one process on this database."""
    evaluator: Evaluator = field(init=False)
    """Settles the calls whose horizon has traded (scheduled by `start_schedulers`)."""
    replica: Replica | None = field(init=False, default=None)
    """This process among those serving the database (`cluster.replica`)."""
    settings_version: int = field(init=False, default=0)
    """The settings counter the settings in force were built from (`store.counters`)."""
    _retiring: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    _reload_lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.chart_images = ChartImages(self.store.charts)
        self.sessions = SessionBook(self.store.sessions)
        self.singletons = Singletons(self.store.leases)
        self.evaluator = Evaluator(
            self.store.calls,
            lambda: self.market,
            every_s=self.settings.calls_evaluate_every_s,
        )

    @classmethod
    async def open(
        cls,
        settings: Settings,
        engine_for: EngineFactory | None = None,
        *,
        exchange: ExchangeService | None = None,
        exchange_builder: ExchangeBuilder | None = None,
        jobs: bool = True,
    ) -> Desk:
        """Makes the data directory private, opens the store (migrating it) and the vault,
        builds the services from the settings in force, and joins the replicas serving the
        database (on SQLite: as the only one, ending the runs a crash left unfinished).

        `engine_for` replaces the engine selection (tests drive scripted engines with it);
        `exchange` replaces the gateway built from the settings (tests pass an offline one),
        `exchange_builder` the way one is built (tests: offline, rebuilt on settings changes).
        `jobs` starts the background jobs (the watcher, the scheduler, the outbox, the live
        feed): a server does, the CLI's one question does not. The desk owns and closes what it
        gets.
        """
        from cryptodesk.market.exchange_service import build_exchange
        from cryptodesk.market.service import build_market_service
        from cryptodesk.vault import open_vault

        private_dir(settings.data_dir)
        store = await Store.open(settings.resolved_database_url)
        service = SettingsService(settings, store.settings, open_vault(settings))
        version = await store.counters.get(SETTINGS)
        current = await service.effective()
        hub = Hub()
        market = build_market_service(current)
        build = exchange_builder or build_exchange
        gateway = exchange or build(current)  # lazy: connects on first use
        desk: Desk | None = None

        def opened() -> Desk:
            assert desk is not None  # noqa: S101 - jobs and runs start after open() returns
            return desk

        watch = WatchDesk(
            store,
            hub,
            Services(
                market=lambda: opened().market,
                exchange=lambda: opened().exchange,
                settings=lambda: opened().settings,
                runs=lambda: opened().runs,
                vault=lambda: service.vault,
            ),
        )
        engines = EngineSelector(current, market, store.charts, gateway, store.spend, watch=watch)
        await engines.refresh()  # checks the LLM; `auto` may find a local Ollama

        def select(choice: str | None) -> Engine:
            return opened().engines.for_request(choice)

        async def settings_current() -> None:
            assert desk is not None  # noqa: S101 - runs start after open() returns
            await desk.refresh_settings()

        runs = RunManager(
            store,
            hub,
            engine_for or select,
            run_timeout_s=current.run_timeout_s,
            default_max_turns=current.max_turns,
            owner=replica_id(),
            lease_s=settings.run_lease_s,
            before_start=settings_current,
        )
        desk = cls(
            current,
            store,
            hub,
            market,
            gateway,
            engines,
            runs,
            service,
            build,
            watch,
            fixed_exchange=exchange is not None,
        )
        desk.settings_version = version
        desk.replica = desk._replica(settings)
        try:
            await desk.replica.start()
        except BaseException:
            await desk.close()
            raise
        if jobs:
            await desk.watch.start(desk.singletons)
        return desk

    def start_schedulers(self) -> None:
        """The server's cluster-wide jobs (one process of those on this database runs each):
        the evaluation of calls. `close` stops them first."""
        self.singletons.start(JOB_NAME, self.evaluator.run)

    def _replica(self, settings: Settings) -> Replica:
        renew_s = settings.run_lease_renew_s
        if self.store.shared:
            return SharedReplica(
                self.store,
                self.hub,
                self.runs,
                renew_s,
                database_url=settings.resolved_database_url,
                counter_moved=self._counter_moved,
            )
        path = sqlite_path(settings.resolved_database_url)
        lock = ServingLock(path) if path is not None else None
        return LocalReplica(self.store, self.runs, renew_s, lock)

    async def refresh_settings(self) -> None:
        """Reloads the settings when they were changed through another replica (the settings
        counter moved): what runs before every new run."""
        if await self.store.counters.get(SETTINGS) != self.settings_version:
            await self.reload_settings(changed_here=False)

    def _counter_moved(self, name: str) -> None:
        if name != SETTINGS:
            return
        task = asyncio.create_task(self.refresh_settings(), name="refresh-settings")
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def reload_settings(self, *, changed_here: bool = True) -> None:
        """Applies what the settings store and the vault now say. After a change made here
        (the API), the settings counter grows first, so the other replicas reload too."""
        async with self._reload_lock:
            if changed_here:
                version = await self.store.counters.bump(SETTINGS)
            else:
                version = await self.store.counters.get(SETTINGS)
                if version == self.settings_version:
                    return  # another reload got there first
            await self.apply_settings(await self.settings_service.effective())
            self.settings_version = version

    async def apply_settings(self, settings: Settings) -> None:
        """Rebuilds market data, the exchange gateway and the engine selection for the runs
        that start from now on. Running runs keep theirs, closed once those runs end."""
        from cryptodesk.market.service import build_market_service

        market = build_market_service(settings)
        exchange = self.exchange if self.fixed_exchange else self.build_exchange(settings)
        engines = EngineSelector(
            settings, market, self.store.charts, exchange, self.store.spend, watch=self.watch
        )
        old = (self.market, self.exchange, self.engines)
        self.settings, self.market, self.exchange, self.engines = (
            settings,
            market,
            exchange,
            engines,
        )
        self.runs.configure(
            run_timeout_s=settings.run_timeout_s, default_max_turns=settings.max_turns
        )
        self._retire(*old)
        await engines.refresh()
        engines.warm()
        log.info("settings applied: engine=%s market=%s", engines.describe(), settings.market_data)

    def _retire(
        self, market: MarketDataService, exchange: ExchangeService, engines: EngineSelector
    ) -> None:
        running = self.runs.running_tasks()

        async def close_when_idle() -> None:
            if running:
                await asyncio.wait(running)
            await engines.aclose()
            await market.aclose()
            if exchange is not self.exchange:
                await exchange.aclose()

        task = asyncio.create_task(close_when_idle(), name="retire-services")
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def close(self) -> None:
        await self.singletons.aclose()  # another process takes over their jobs at once
        await self.watch.aclose()
        await self.runs.shutdown()
        if self.replica is not None:
            await self.replica.aclose()
        if self._retiring:
            await asyncio.wait(tuple(self._retiring), timeout=10)
        await self.engines.aclose()
        self.hub.close_all()
        await self.market.aclose()
        await self.exchange.aclose()
        await self.settings_service.aclose()
        await self.store.close()
