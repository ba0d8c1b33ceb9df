"""Every condition kind, on the real watcher: a real SQLite store, the real market service over
HTTP to the loopback fake CoinGecko (whose prices and candles each test moves, with caches that
expire at once), the real exchange gateway over recorded Bitget payloads. Each kind fires once
when its condition is crossed, is re-armed when it stops holding, and does not fire again on a
second crossing inside its cooldown."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cryptodesk.market.cache import CacheTtls
from cryptodesk.market.service import build_market_service
from cryptodesk.rules.conditions import Condition
from cryptodesk.store.store import Store
from cryptodesk.store.watch_records import AlertRule, RuleSpec
from cryptodesk.watch.watcher import Watcher
from tests.market.fake_coingecko import FakeCoinGecko, market_settings
from tests.offline_bitget import FUNDING, Script, offline_exchange, ok

FUNDING_PATH = "/api/v2/mix/market/current-fund-rate"
CHART_PATH = "/coins/bitcoin/market_chart"
HOUR = 3600


def hourly_chart(closes: list[float], volumes: list[float] | None = None) -> dict[str, Any]:
    """`/market_chart` samples on the hour, the last one at the current hour."""
    now = int(time.time()) // HOUR * HOUR
    start = now - (len(closes) - 1) * HOUR
    volumes = volumes or [1e9] * len(closes)
    return {
        "prices": [[(start + i * HOUR) * 1000, c] for i, c in enumerate(closes)],
        "market_caps": [],
        "total_volumes": [[(start + i * HOUR) * 1000, v] for i, v in enumerate(volumes)],
    }


def rising(n: int = 200) -> list[float]:
    return [60_000 + 40 * i + (25 if i % 3 == 0 else 0) for i in range(n)]


def falling(n: int = 200) -> list[float]:
    return [70_000 - 40 * i - (25 if i % 3 == 0 else 0) for i in range(n)]


def zigzag(n: int = 200) -> list[float]:
    return [65_000 + (120 if i % 2 else -120) for i in range(n)]


@dataclass
class Harness:
    store: Store
    watcher: Watcher
    coingecko: FakeCoinGecko
    script: Script
    followed: list[str] = field(default_factory=list)

    async def rule(self, condition: dict[str, Any], cooldown_s: int = 3600) -> AlertRule:
        c = Condition.model_validate(condition).normalized()
        return await self.store.alerts.create(
            RuleSpec(
                coin_id="bitcoin",
                symbol="BTC",
                kind=c.kind,
                value=c.value,
                params=c.params(),
                target_ids=(),
                follow_up=False,
                once=False,
                cooldown_s=cooldown_s,
                status="active",
                origin="api",
                label=c.describe("BTC"),
            )
        )

    async def firings(self, rule: AlertRule) -> int:
        await self.watcher.update()
        return len(await self.store.firings.for_rule(rule.id))

    def funding(self, rate_pct: float) -> None:
        self.script.to(FUNDING_PATH, ok([{**FUNDING, "fundingRate": str(rate_pct / 100)}]))


@pytest.fixture
async def harness(tmp_path: Path, coingecko: FakeCoinGecko) -> AsyncIterator[Harness]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'watch.db'}")
    quick = CacheTtls(
        price_s=0.001, candles_s=dict.fromkeys(("5m", "15m", "1h", "4h", "1d", "1w"), 0.001)
    )
    # A budget so large the poll plan never stretches: each update reads afresh.
    settings = market_settings(
        coingecko.url, watch_poll_min_s=0.001, coingecko_rate_per_minute=10**9
    )
    market = build_market_service(settings, ttls=quick)
    script = Script()
    exchange = offline_exchange(script, keys=False)

    async def no_follow_up(_rule: AlertRule, _firing: str) -> None:
        raise AssertionError("no rule here asks for a follow-up")

    watcher = Watcher(
        store,
        market=lambda: market,
        exchange=lambda: exchange,
        settings=lambda: settings,
        follow_up=no_follow_up,
        changed=lambda: None,
        funding_min_s=0.0,
    )
    coingecko.set_price("bitcoin", 64_000.0, 1.0)
    yield Harness(store, watcher, coingecko, script)
    await exchange.aclose()
    await market.aclose()
    await store.close()


Move = Callable[[Harness], None]


def price(value: float, change: float = 0.0) -> Move:
    return lambda h: h.coingecko.set_price("bitcoin", value, change)


def chart(closes: list[float], volumes: list[float] | None = None) -> Move:
    return lambda h: h.coingecko.serve(CHART_PATH, hourly_chart(closes, volumes))


def funding(rate_pct: float) -> Move:
    return lambda h: h.funding(rate_pct)


SPIKE = [1e9] * 199 + [2e10]
CALM = [1e9] * 200
CASES: dict[str, tuple[dict[str, Any], Move, Move, Move]] = {
    # condition, before (not met), crossed (met), back (not met)
    "price_above": (
        {"kind": "price_above", "value": 65_000},
        price(64_000),
        price(65_500),
        price(64_500),
    ),
    "price_below": (
        {"kind": "price_below", "value": 60_000},
        price(61_000),
        price(59_500),
        price(60_500),
    ),
    "level_cross": (
        {"kind": "level_cross", "value": 65_530},
        price(65_000),
        price(65_600),
        price(65_400),
    ),
    "pct_move": (
        {"kind": "pct_move", "value": 5, "window": "24h"},
        price(64_000, 1.0),
        price(68_000, 6.3),
        price(64_500, 0.8),
    ),
    "rsi_above": (
        {"kind": "rsi_above", "value": 70},
        chart(zigzag()),
        chart(rising()),
        chart(zigzag()),
    ),
    "rsi_below": (
        {"kind": "rsi_below", "value": 30},
        chart(zigzag()),
        chart(falling()),
        chart(zigzag()),
    ),
    "volume_spike": (
        {"kind": "volume_spike", "value": 3},
        chart(zigzag(), CALM),
        chart(zigzag(), SPIKE),
        chart(zigzag(), CALM),
    ),
    "funding_above": (
        {"kind": "funding_above", "value": 0.05},
        funding(0.01),
        funding(0.08),
        funding(0.02),
    ),
    "funding_below": (
        {"kind": "funding_below", "value": -0.02},
        funding(0.01),
        funding(-0.05),
        funding(0.0),
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
async def test_watcher_kind_fires_once_per_crossing_and_not_in_cooldown(
    harness: Harness, kind: str
) -> None:
    condition, before, crossed, back = CASES[kind]
    if kind in ("level_cross",):
        before(harness)
        await harness.watcher.update()  # the price the crossing starts from
    rule = await harness.rule(condition)
    before(harness)
    assert await harness.firings(rule) == 0
    crossed(harness)
    assert await harness.firings(rule) == 1
    assert await harness.firings(rule) == 1  # still met: fired once, not again
    back(harness)
    assert await harness.firings(rule) == 1  # (a level crossed back is swallowed: cooldown)
    await harness.firings(rule)
    assert (await harness.store.alerts.get(rule.id)).armed  # re-armed once it stopped holding
    crossed(harness)
    assert await harness.firings(rule) == 1  # crossed again inside the cooldown: nothing
    fired = (await harness.store.firings.for_rule(rule.id))[0]
    assert fired.values["threshold" if kind != "level_cross" else "level"] == condition["value"]
    assert fired.kind == "alert" and fired.stage == "ready"


async def test_watcher_fires_again_after_the_cooldown(harness: Harness) -> None:
    rule = await harness.rule({"kind": "price_above", "value": 65_000}, cooldown_s=0)
    for expected, move in ((1, price(65_500)), (1, price(64_500)), (2, price(65_800))):
        move(harness)
        assert await harness.firings(rule) == expected
