"""The alert watcher: a cluster-wide job (one process watches) that reads prices and evaluates
the rules, without any LLM.

Each update reads every watched coin's price in one batched request (`get_prices`), records the
prices as ticks, reads candles (RSI, volume spikes: per coin and timeframe, through the market
cache, when due) and funding rates (per coin, when due), evaluates the rule book and writes what
changed (rule state and firings) in one transaction. Its state lives in the database (rules'
`armed` and `last_fired_at`, the ticks), so whoever holds the job next continues from there.

Clock: the market's. In replay mode that is the replay's now, read from the prices' as-of
(`CRYPTODESK_REPLAY_NOW` when set, else the end of the files; the replay does not move, so a rule
fires at most once); live and demo follow real time. Rules are never evaluated on the demo
market standing in for an unreachable CoinGecko (`fallback`): a simulated price must not fire a
real alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from cryptodesk.analysis.indicators import rsi
from cryptodesk.config import Settings
from cryptodesk.errors import CryptoDeskError, StorageError
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.schemas import Candle, SpotPrices, parse_timeframe
from cryptodesk.market.service import MarketDataService
from cryptodesk.rules.conditions import CANDLE_KINDS, FUNDING_KINDS, WINDOW_SECONDS, Window
from cryptodesk.store.alerts import Fire, StateChange
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import AlertRule, NewFiring, Tick
from cryptodesk.watch.evaluation import (
    CandleReading,
    PreviousPrice,
    Quote,
    RuleBook,
    RuleState,
    Snapshot,
)
from cryptodesk.watch.messages import alert_message, alert_title
from cryptodesk.watch.polling import FUNDING_MIN_S, PollPlan, plan_polling

log = logging.getLogger(__name__)

TICKS_KEPT = timedelta(hours=25)
WOKEN_GAP_S = 1.0
"""The least time between two reads when changes wake the watcher early."""
CANDLES_READ = 120
FollowUpStarter = Callable[[AlertRule, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class UpdateReport:
    at: datetime
    coins: int
    rules: int
    fired: int
    note: str | None = None


def rule_state(rule: AlertRule) -> RuleState:
    params = rule.params
    return RuleState(
        id=rule.id,
        coin_id=rule.coin_id,
        symbol=rule.symbol,
        kind=rule.kind,  # type: ignore[arg-type]
        value=rule.value,
        window=params.get("window"),
        direction=params.get("direction"),
        timeframe=params.get("timeframe"),
        period=params.get("period"),
        cooldown_s=rule.cooldown_s,
        created_at=rule.created_at,
        armed=rule.armed,
        last_fired_at=rule.last_fired_at,
    )


class Watcher:
    def __init__(
        self,
        store: Store,
        *,
        market: Callable[[], MarketDataService],
        exchange: Callable[[], ExchangeService],
        settings: Callable[[], Settings],
        follow_up: FollowUpStarter,
        changed: Callable[[], None],
        funding_min_s: float = FUNDING_MIN_S,
    ) -> None:
        self._store = store
        self._market = market
        self._exchange = exchange
        self._settings = settings
        self._follow_up = follow_up
        self._changed = changed
        self._funding_min_s = funding_min_s
        self._book: RuleBook | None = None
        self._rules: dict[str, AlertRule] = {}
        self._version: tuple[datetime | None, int] | None = None
        self._candles: dict[tuple[str, str], tuple[float, frozenset[int], CandleReading]] = {}
        self._funding: dict[str, tuple[float, float]] = {}
        self.plan: PollPlan | None = None
        self.last: UpdateReport | None = None
        self.wake = asyncio.Event()
        """Set when people changed the watchlist or the rules here: read now, not in a minute."""

    async def run(self, _epoch: int) -> None:
        """The job: an update, then a wait the poll plan sets (cut short by `wake`, but never
        below `WOKEN_GAP_S` between reads), until cancelled."""
        self._version = None  # a new holder reads the rules afresh
        while True:
            began = time.monotonic()
            self.wake.clear()
            try:
                await self.update()
            except CryptoDeskError as exc:
                log.warning("watcher: update failed: %s", exc.logged())
                self.last = UpdateReport(datetime.now(UTC), 0, 0, 0, exc.message)
            interval = self.plan.interval_s if self.plan else self._settings().watch_poll_min_s
            wait = max(0.05, interval - (time.monotonic() - began))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), wait)
            gap = WOKEN_GAP_S - (time.monotonic() - began)
            if gap > 0:
                await asyncio.sleep(gap)

    async def update(self) -> UpdateReport:
        book = await self._load_book()
        entries = await self._store.watchlist.entries()
        coins = sorted({e.coin_id for e in entries} | book.coins())
        now_wall = datetime.now(UTC)
        if not coins:
            self.plan = None
            self.last = UpdateReport(now_wall, 0, 0, 0, "nothing to watch")
            return self.last
        market, settings = self._market(), self._settings()
        self.plan = self._plan(market, settings, book, len(coins))
        # As fresh as the poll: an answer cached by the previous update is not read again.
        prices = await market.get_prices(coins, max_age_s=self.plan.interval_s / 2)
        labels = _labels(prices, market)
        previous = await self._store.watchlist.latest_ticks(coins)
        ticks = [
            Tick(p.coin_id, now_wall, p.price_usd, p.change_24h_pct, p.as_of, prices.source, labels)
            for p in prices.prices.values()
        ]
        await self._store.watchlist.add_ticks(ticks, keep_after=now_wall - TICKS_KEPT)
        self._changed()
        if prices.fallback:
            note = "the market source is unreachable: rules wait for real prices"
            self.last = UpdateReport(now_wall, len(coins), book.count, 0, note)
            return self.last
        snapshot = Snapshot(
            now=prices.as_of if market.status().mode == "replay" else now_wall,
            quotes={
                p.coin_id: Quote(p.price_usd, p.change_24h_pct, p.as_of, prices.source, labels)
                for p in prices.prices.values()
            },
            previous={c: PreviousPrice(t.price, t.at) for c, t in previous.items()},
        )
        await self._read_windows(book, snapshot, now_wall)
        await self._read_candles(book, snapshot, market)
        await self._read_funding(book, snapshot)
        fired = await self._apply(book, snapshot, labels)
        self.last = UpdateReport(now_wall, len(coins), book.count, fired)
        return self.last

    # ------------------------------------------------------------------ rules

    async def _load_book(self) -> RuleBook:
        version = await self._store.alerts.version()
        if self._book is None or version != self._version:
            rules = await self._store.alerts.listed(("active",))
            self._rules = {rule.id: rule for rule in rules}
            self._book = RuleBook(rule_state(rule) for rule in rules)
            self._version = version
        return self._book

    async def _apply(self, book: RuleBook, snapshot: Snapshot, labels: tuple[str, ...]) -> int:
        decisions = book.evaluate(snapshot)
        if not decisions:
            return 0
        changes: list[StateChange] = []
        fires: list[Fire] = []
        for decision in decisions:
            state = decision.rule
            if decision.action != "fire":
                changes.append(StateChange(state.id, state.armed))
                continue
            rule = self._rules[state.id]
            quote = snapshot.quotes[rule.coin_id]
            message = alert_message(
                rule.symbol,
                rule.kind,
                decision.values,
                source=quote.source,
                as_of=quote.as_of,
                labels=labels,
            )
            firing = NewFiring(
                kind="alert",
                symbol=rule.symbol,
                title=alert_title(rule.label),
                message=message,
                values={**decision.values, "source": quote.source},
                data_labels=labels,
                target_ids=rule.target_ids,
                market_time=quote.as_of,
                stage="awaiting_run" if rule.follow_up else "ready",
                rule_id=rule.id,
                conversation_id=rule.conversation_id,
            )
            fires.append(Fire(rule.id, rule.once, firing))
        try:
            fired = await self._store.alerts.record(changes, fires)
        except StorageError:
            self._version = None  # the book ran ahead of the database: read it again
            raise
        if fired:
            self._changed()
        for rule_id, firing_id in fired:
            rule = self._rules[rule_id]
            log.info("rule %s fired (%s): %s", rule_id, rule.label, firing_id)
            if rule.follow_up:
                await self._follow_up(rule, firing_id)
        return len(fired)

    # ------------------------------------------------------------------ readings

    def _plan(
        self, market: MarketDataService, settings: Settings, book: RuleBook, coins: int
    ) -> PollPlan:
        timeframes = {r.timeframe for r in book.rules() if r.kind in CANDLE_KINDS and r.timeframe}
        candle_min = min(
            (market.candle_ttl_s(parse_timeframe(tf)) for tf in timeframes), default=0.0
        )
        candle_keys = {(r.coin_id, r.timeframe) for r in book.rules() if r.kind in CANDLE_KINDS}
        live = market.budget_per_minute()
        return plan_polling(
            coins=coins,
            candle_keys=len(candle_keys),
            min_interval_s=settings.watch_poll_min_s,
            candle_min_s=candle_min,
            rate_per_minute=live,
            share=settings.watch_budget_share,
            funding_min_s=self._funding_min_s,
        )

    async def _read_windows(self, book: RuleBook, snapshot: Snapshot, now: datetime) -> None:
        windows: dict[Window, set[str]] = {}
        for rule in book.rules():
            if rule.kind == "pct_move" and rule.coin_id in snapshot.quotes:
                windows.setdefault(rule.window or "1h", set()).add(rule.coin_id)
        interval = self.plan.interval_s if self.plan else 60.0
        for window, coin_ids in windows.items():
            if window == "24h":  # the source's own 24 h change says where the day started
                for coin_id in coin_ids:
                    quote = snapshot.quotes[coin_id]
                    if quote.change_24h_pct is not None and quote.change_24h_pct > -100:
                        start = quote.price / (1 + quote.change_24h_pct / 100)
                        snapshot.window_prices[(coin_id, window)] = start
                continue
            seconds = WINDOW_SECONDS[window]
            since = now - timedelta(seconds=seconds)
            slack = timedelta(seconds=max(2 * interval, 0.1 * seconds))
            first = await self._store.watchlist.first_ticks_since(since, sorted(coin_ids))
            for coin_id, tick in first.items():
                if tick.at <= since + slack and tick.at < now:  # the ticks cover the window
                    snapshot.window_prices[(coin_id, window)] = tick.price

    async def _read_candles(
        self, book: RuleBook, snapshot: Snapshot, market: MarketDataService
    ) -> None:
        wanted: dict[tuple[str, str], set[int]] = {}
        for rule in book.rules():
            if rule.kind in CANDLE_KINDS and rule.timeframe and rule.coin_id in snapshot.quotes:
                wanted.setdefault((rule.coin_id, rule.timeframe), set()).add(rule.period or 14)
        due_s = self.plan.candle_interval_s if self.plan else 0.0
        now = time.monotonic()
        for (coin_id, timeframe), periods in wanted.items():
            kept = self._candles.get((coin_id, timeframe))
            reading = kept[2] if kept else None
            if kept is None or now - kept[0] >= due_s or not periods <= kept[1]:
                try:
                    candles = await market.get_ohlc(
                        coin_id, parse_timeframe(timeframe), CANDLES_READ
                    )
                except CryptoDeskError as exc:
                    log.warning("watcher: %s %s candles: %s", coin_id, timeframe, exc.message)
                    continue
                reading = _candle_reading(candles.candles, candles.as_of, periods)
                self._candles[(coin_id, timeframe)] = (now, frozenset(periods), reading)
            if reading is not None:
                snapshot.candles[(coin_id, timeframe)] = reading

    async def _read_funding(self, book: RuleBook, snapshot: Snapshot) -> None:
        coins = {r.coin_id: r.symbol for r in book.rules() if r.kind in FUNDING_KINDS}
        due_s = self.plan.funding_interval_s if self.plan else 60.0
        now = time.monotonic()
        for coin_id, symbol in coins.items():
            kept = self._funding.get(coin_id)
            if kept is None or now - kept[0] >= due_s:
                try:
                    funding = await self._exchange().funding_rate(symbol)
                except CryptoDeskError as exc:
                    log.warning("watcher: %s funding rate: %s", symbol, exc.message)
                    continue
                kept = (now, funding.rate * 100)
                self._funding[coin_id] = kept
            snapshot.funding_pct[coin_id] = kept[1]


def _labels(prices: SpotPrices, market: MarketDataService) -> tuple[str, ...]:
    labels = [
        name
        for name, on in (
            ("simulated", prices.simulated),
            ("fallback", prices.fallback),
            ("stale", prices.stale),
            ("replay", market.status().mode == "replay"),
        )
        if on
    ]
    return tuple(labels)


def _candle_reading(
    candles: tuple[Candle, ...], as_of: datetime, periods: set[int]
) -> CandleReading:
    """RSI of the last candle by period, and its volume against the `period` candles before."""
    close = np.array([c.close for c in candles], dtype=np.float64)
    volume = np.array([c.volume for c in candles], dtype=np.float64)
    rsis: dict[int, float] = {}
    averages: dict[int, float] = {}
    for period in periods:
        if len(close) > period:
            value = float(rsi(close, period)[-1])
            if np.isfinite(value):
                rsis[period] = value
        if len(volume) > period:
            averages[period] = float(volume[-period - 1 : -1].mean())
    last_volume = float(volume[-1]) if len(volume) else None
    return CandleReading(as_of=as_of, rsi=rsis, volume=last_volume, average_volume=averages)
