"""The watch desk: what the API, the CLI and the chat tools do with the watchlist, alert rules,
notification targets, notifications and scheduled analyses, and the jobs behind them.

Jobs: the watcher, the scheduler (with the delivery of ended analyses) and the outbox sender run
through `Singletons` (once across the processes on the database); the live feed runs in every
process for its own sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr

from cryptodesk.cluster.singleton import Singletons
from cryptodesk.config import Settings
from cryptodesk.domain.watching import Notification, WatchItem
from cryptodesk.errors import CoinNotFoundError, CryptoDeskError, NotFoundError, UnprocessableError
from cryptodesk.market.catalog import CoinInfo
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.schemas import parse_timeframe
from cryptodesk.market.service import MarketDataService
from cryptodesk.realtime.hub import Hub
from cryptodesk.rules.conditions import FUNDING_KINDS, Condition
from cryptodesk.runs.manager import RunManager
from cryptodesk.store.schedules import ScheduleSpec
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import (
    AlertRule,
    RuleOrigin,
    RuleSpec,
    RuleStatus,
    Schedule,
    WatchEntry,
)
from cryptodesk.vault.base import SecretsBackend
from cryptodesk.watch.feed import Feed
from cryptodesk.watch.followups import FollowUps
from cryptodesk.watch.messages import follow_up_question
from cryptodesk.watch.outbox import OutboxSender
from cryptodesk.watch.scheduler import Scheduler, describe_cron, next_time
from cryptodesk.watch.targets import TargetBook
from cryptodesk.watch.views import notifications, watch_items
from cryptodesk.watch.watcher import Watcher

log = logging.getLogger(__name__)

EXCHANGE_CHECK_S = 20.0
DEFAULT_COOLDOWN_S = 3600


@dataclass(frozen=True, slots=True)
class RuleRequest:
    symbol: str
    condition: Condition
    target_ids: tuple[str, ...] = ()
    follow_up: bool = False
    once: bool = False
    cooldown_s: int = DEFAULT_COOLDOWN_S


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    symbol: str
    cron: str
    timeframe: str = "4h"
    question: str | None = None
    target_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Services:
    """What the watch desk reads from the desk when it needs it (settings change them)."""

    market: Callable[[], MarketDataService]
    exchange: Callable[[], ExchangeService]
    settings: Callable[[], Settings]
    runs: Callable[[], RunManager]
    vault: Callable[[], SecretsBackend]


class WatchDesk:
    def __init__(self, store: Store, hub: Hub, services: Services) -> None:
        self._store = store
        self._services = services
        self.targets = TargetBook(store.targets, services.vault)
        self.follow_ups = FollowUps(store, services.runs)
        self.feed = Feed(store, hub, services.market)
        self.outbox = OutboxSender(store, self.targets, services.settings)
        self.scheduler = Scheduler(store, self.follow_ups)
        self.watcher = Watcher(
            store,
            market=services.market,
            exchange=services.exchange,
            settings=services.settings,
            follow_up=self._start_follow_up,
            changed=self.changed,
        )
        self._feed_task: asyncio.Task[None] | None = None

    async def start(self, singletons: Singletons) -> None:
        await self.targets.register_secrets()
        singletons.start("watch.watcher", self.watcher.run)
        singletons.start("watch.scheduler", self.scheduler.run)
        singletons.start("watch.outbox", self.outbox.run)
        self._feed_task = asyncio.create_task(self.feed.run(), name="watch-feed")

    async def aclose(self) -> None:
        if self._feed_task is not None:
            self._feed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feed_task
        self.targets.forget_secrets()

    def changed(self) -> None:
        """Something to push or send: wake the feed, the outbox and the scheduler here (other
        processes notice within their poll)."""
        self.feed.wake.set()
        self.outbox.wake.set()
        self.scheduler.wake.set()

    def watched_changed(self) -> None:
        """People changed the watchlist or the rules: the watcher here reads at once (one in
        another process notices at its next poll)."""
        self.watcher.wake.set()
        self.changed()

    # ------------------------------------------------------------------ watchlist

    async def watchlist(self) -> list[WatchItem]:
        return await watch_items(self._store, self._services.market())

    async def watch(self, symbol: str) -> tuple[WatchEntry, bool]:
        coin = await self.coin(symbol)
        entry, created = await self._store.watchlist.add(coin.id, coin.symbol, coin.name)
        self.watched_changed()
        return entry, created

    async def unwatch(self, symbol: str) -> WatchEntry:
        wanted = symbol.strip().lower()
        for entry in await self._store.watchlist.entries():
            if wanted in (entry.coin_id.lower(), entry.symbol.lower()):
                await self._store.watchlist.remove(entry.coin_id)
                self.watched_changed()
                return entry
        raise NotFoundError("watchlist entry", symbol)

    async def coin(self, symbol: str) -> CoinInfo:
        """The coin `symbol` names, if the configured market can price it; 422 otherwise."""
        market = self._services.market()
        try:
            coin = await market.lookup_coin(symbol)
        except CoinNotFoundError as exc:
            raise UnprocessableError(exc.message) from exc
        if market.budget_per_minute() is None and coin.id not in market.available_coins():
            raise UnprocessableError(
                f"the {market.provider.name} market has no {coin.symbol} data (it has: "
                f"{', '.join(market.available_coins())})"
            )
        return coin

    # ------------------------------------------------------------------ rules

    async def create_rule(
        self,
        request: RuleRequest,
        *,
        origin: RuleOrigin,
        status: RuleStatus = "active",
        conversation_id: str | None = None,
        run_id: str | None = None,
    ) -> AlertRule:
        coin = await self.coin(request.symbol)
        condition = request.condition.normalized()
        await self._check_targets(request.target_ids)
        if condition.kind in FUNDING_KINDS:
            await self._check_exchange(coin)
        spec = RuleSpec(
            coin_id=coin.id,
            symbol=coin.symbol,
            kind=condition.kind,
            value=condition.value,
            params=condition.params(),
            target_ids=tuple(dict.fromkeys(request.target_ids)),
            follow_up=request.follow_up,
            once=request.once,
            cooldown_s=request.cooldown_s,
            status=status,
            origin=origin,
            label=condition.describe(coin.symbol),
            conversation_id=conversation_id,
            run_id=run_id,
        )
        rule = await self._store.alerts.create(spec)
        log.info("alert %s %s (%s): %s", rule.id, status, origin, rule.label)
        self.watched_changed()
        return rule

    async def propose(
        self, symbol: str, condition: Condition, *, conversation_id: str, run_id: str
    ) -> AlertRule:
        """An alert from the chat: stored `proposed` (inactive) until the person confirms it."""
        request = RuleRequest(symbol=symbol, condition=condition)
        return await self.create_rule(
            request,
            origin="chat",
            status="proposed",
            conversation_id=conversation_id,
            run_id=run_id,
        )

    async def confirm(self, conversation_id: str) -> list[AlertRule]:
        """Activates the alerts proposed in this conversation (the person said yes)."""
        waiting = await self._store.alerts.listed(("proposed",), conversation_id)
        return [await self.set_rule_status(rule.id, "active") for rule in waiting]

    async def set_rule_status(self, rule_id: str, status: RuleStatus) -> AlertRule:
        allowed: dict[RuleStatus, tuple[RuleStatus, ...]] = {
            "active": ("proposed", "paused", "active"),
            "paused": ("active", "paused"),
            "deleted": ("proposed", "active", "paused", "done"),
        }
        if status not in allowed:
            raise UnprocessableError(f"an alert cannot be set to {status}")
        rule = await self._store.alerts.set_status(rule_id, status, allowed[status])
        self.watched_changed()
        return rule

    async def rule_firings(self, rule_id: str) -> list[Notification]:
        return await notifications(self._store, await self._store.firings.for_rule(rule_id))

    async def _check_targets(self, target_ids: Sequence[str]) -> None:
        unknown = set(target_ids) - await self._store.targets.existing(list(target_ids))
        if unknown:
            raise UnprocessableError(
                f"unknown notification target(s): {', '.join(sorted(unknown))}"
            )

    async def _check_exchange(self, coin: CoinInfo) -> None:
        """Funding rules need an exchange that answers for this coin's perpetual."""
        exchange = self._services.exchange()
        try:
            async with asyncio.timeout(EXCHANGE_CHECK_S):
                await exchange.funding_rate(coin.symbol)
        except TimeoutError as exc:
            raise UnprocessableError(
                f"funding rules need a usable exchange: {exchange.name} did not answer"
            ) from exc
        except CryptoDeskError as exc:
            raise UnprocessableError(
                f"funding rules need a usable exchange ({exchange.name}): {exc.message}"
            ) from exc

    async def _start_follow_up(self, rule: AlertRule, firing_id: str) -> None:
        timeframe = rule.params.get("timeframe")
        question = follow_up_question(rule.symbol, rule.label, timeframe)
        conversation = await self.follow_ups.start(firing_id, question, rule.conversation_id)
        if conversation is not None and conversation != rule.conversation_id:
            await self._store.alerts.set_conversation(rule.id, conversation)
        self.scheduler.wake.set()

    # ------------------------------------------------------------------ targets

    async def add_target(self, name: str, url: SecretStr) -> str:
        return (await self.targets.add(name, url)).id

    # ------------------------------------------------------------------ schedules

    async def create_schedule(self, request: ScheduleRequest) -> Schedule:
        coin = await self.coin(request.symbol)
        timeframe = parse_timeframe(request.timeframe)
        first = next_time(request.cron, datetime.now(UTC))
        await self._check_targets(request.target_ids)
        question = request.question or f"Analyze {coin.symbol} on the {timeframe} chart"
        when = describe_cron(request.cron)
        spec = ScheduleSpec(
            cron=request.cron.strip(),
            coin_id=coin.id,
            symbol=coin.symbol,
            timeframe=timeframe,
            question=question,
            target_ids=tuple(dict.fromkeys(request.target_ids)),
            label=f"{coin.symbol} on {timeframe}: {when}",
            next_run_at=first,
        )
        return await self._store.schedules.create(spec)

    async def set_schedule_status(self, schedule_id: str, status: str) -> Schedule:
        schedules = self._store.schedules
        if status == "active":
            current = await schedules.get(schedule_id)
            upcoming = next_time(current.cron, datetime.now(UTC))
            return await schedules.set_status(schedule_id, "active", ("paused", "active"), upcoming)
        if status == "paused":
            return await schedules.set_status(schedule_id, "paused", ("active", "paused"))
        return await schedules.set_status(schedule_id, "deleted", ("active", "paused"))
