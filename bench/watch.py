"""The watcher: rules evaluated per price update, and what a 50-coin watchlist costs upstream.

(a) `RuleBook.evaluate` over 10,000 rules on 50 coins (200 a coin, every condition kind in turn,
    thresholds spread ±5 % around the price, no cooldown), first on updates whose prices swing
    ±3 % so that thousands of rules fire or re-arm on each one (the worst case: every decision
    is a write the watcher then persists, which is outside this figure), then on a calm market
    (±0.2 % noise: a few hundred decisions). Every kind has its reading (previous price, window
    start prices, RSI and volume per coin and timeframe, funding rate). p50 / p99 / max over 200
    updates. Baseline in the same run: the bare comparison `price > threshold` over 10,000 pairs
    in a Python list (the least an evaluation can cost). Target: under 100 ms per update.
(b) The real server (live market data from the loopback fake CoinGecko, the keyless plan's 25
    requests a minute, the watcher's half of it) watching 50 coins, with the shortest poll set to
    1 s so that only the rate budget holds it back: upstream requests counted over 60 s once the
    watcher runs. Baseline: the same updates with one request per coin (what batching saves).
    Target: within the watcher's allowance, so within the keyless plan.

`uv run python -m bench.watch` runs this one alone.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from tests.market.fake_coingecko import FakeCoinGecko
from tests.runtime.server import running
from tests.watch.conftest import watch_settings

from bench.report import Section, make_console, percentile, print_section
from cryptodesk.app import create_app
from cryptodesk.rules.conditions import CONDITION_KINDS, Window
from cryptodesk.serving import settle_heap
from cryptodesk.watch.evaluation import (
    CandleReading,
    PreviousPrice,
    Quote,
    RuleBook,
    RuleState,
    Snapshot,
)

RULES = 10_000
COINS = 50
UPDATES = 200
SWING = 0.03
NOISE = 0.002
TARGET_UPDATE_MS = 100.0
KEYLESS_RPM = 25
WATCH_SECONDS = 60.0
T0 = datetime(2026, 1, 1, tzinfo=UTC)


# --- (a) rules per update -------------------------------------------------------------------


def _rules(rng: random.Random) -> tuple[list[RuleState], dict[str, float]]:
    base = {f"coin-{c:02}": 10.0 ** rng.uniform(-1, 5) for c in range(COINS)}
    coins = list(base)
    rules: list[RuleState] = []
    for n in range(RULES):
        coin = coins[n % COINS]
        kind = CONDITION_KINDS[(n // COINS) % len(CONDITION_KINDS)]
        price = base[coin]
        value = {
            "price_above": price * rng.uniform(0.95, 1.05),
            "price_below": price * rng.uniform(0.95, 1.05),
            "level_cross": price * rng.uniform(0.98, 1.02),
            "pct_move": rng.uniform(1.0, 4.0),
            "rsi_above": rng.uniform(40.0, 60.0),
            "rsi_below": rng.uniform(40.0, 60.0),
            "funding_above": rng.uniform(-0.01, 0.01),
            "funding_below": rng.uniform(-0.01, 0.01),
            "volume_spike": rng.uniform(1.2, 2.0),
        }[kind]
        candles = kind in ("rsi_above", "rsi_below", "volume_spike")
        rules.append(
            RuleState(
                id=f"rule-{n}",
                coin_id=coin,
                symbol=coin.upper(),
                kind=kind,
                value=value,
                window="1h" if kind == "pct_move" else None,
                direction="either" if kind == "pct_move" else None,
                timeframe="1h" if candles else None,
                period=(20 if kind == "volume_spike" else 14) if candles else None,
                cooldown_s=0,
                created_at=T0,
            )
        )
    return rules, base


def _snapshot(update: int, base: dict[str, float], rng: random.Random, swing: float) -> Snapshot:
    """Update n: prices alternately `swing` above and below the base (the readings of the other
    kinds swing with them), plus a little noise: swing 0 is a calm market."""
    now = T0 + timedelta(minutes=update + 1)
    sign = 1.0 if update % 2 else -1.0
    side = sign if swing else 0.0
    quotes: dict[str, Quote] = {}
    previous: dict[str, PreviousPrice] = {}
    windows: dict[tuple[str, Window], float] = {}
    candles: dict[tuple[str, str], CandleReading] = {}
    funding: dict[str, float] = {}
    for coin, price in base.items():
        noise = rng.gauss(0.0, NOISE)
        current = price * (1 + sign * swing + noise)
        quotes[coin] = Quote(current, side * 2.0 + noise * 100, now, "coingecko")
        before = price * (1 - sign * swing)
        previous[coin] = PreviousPrice(before, now - timedelta(minutes=1))
        windows[(coin, "1h")] = price
        rsi = 50.0 + side * 15.0 + noise * 100
        volume = 100.0 + side * 60.0 + noise * 100
        candles[(coin, "1h")] = CandleReading(now, {14: rsi}, volume, {20: 100.0})
        funding[coin] = side * 0.02 + noise
    return Snapshot(now, quotes, previous, windows, candles, funding)


@dataclass(frozen=True, slots=True)
class Timing:
    label: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    decisions: float


def _timed(label: str, swing: float) -> Timing:
    rng = random.Random(14)
    rules, base = _rules(rng)
    book = RuleBook(rules)
    samples: list[float] = []
    decided = 0
    for n in range(UPDATES):
        snapshot = _snapshot(n, base, rng, swing)  # one at a time, as the watcher holds them
        started = time.perf_counter()
        decided += len(book.evaluate(snapshot))
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(
        label, percentile(samples, 50), percentile(samples, 99), max(samples), decided / UPDATES
    )


def measure_rules() -> tuple[Timing, Timing, Timing]:
    """(every update swings the market, a calm market, the bare comparisons)."""
    swinging = _timed(
        f"RuleBook.evaluate, ±{SWING:.0%} swings ({RULES:,} rules, {COINS} coins)", SWING
    )
    calm = _timed(f"RuleBook.evaluate, calm (±{NOISE:.1%} noise)", 0.0)
    rng = random.Random(14)
    rules, base = _rules(rng)
    pairs = [(base[r.coin_id] * 1.03, r.value) for r in rules]
    bare: list[float] = []
    hits: list[bool] = []
    for _ in range(UPDATES):
        started = time.perf_counter()
        hits = [p > t for p, t in pairs]
        bare.append((time.perf_counter() - started) * 1000)
    baseline = Timing(
        f"bare `price > threshold` over {RULES:,} pairs",
        percentile(bare, 50),
        percentile(bare, 99),
        max(bare),
        float(sum(hits)),
    )
    return swinging, calm, baseline


# --- (b) upstream requests of a 50-coin watchlist -------------------------------------------


@dataclass(frozen=True, slots=True)
class Spend:
    requests: int
    price_requests: int
    batch_sizes: set[int]
    seconds: float
    interval_s: float | None
    allowance_per_minute: float | None

    @property
    def per_minute(self) -> float:
        return self.requests * 60.0 / self.seconds


def measure_spend() -> Spend:
    fake = FakeCoinGecko()
    fake.start()
    try:
        listing = [
            {"id": f"token-{n:02}", "symbol": f"tk{n:02}", "name": f"Token {n}"}
            for n in range(COINS)
        ]
        fake.serve("/coins/list", listing)
        for n, row in enumerate(listing):
            fake.set_price(row["id"], 1.0 + n)
        with tempfile.TemporaryDirectory() as root:
            settings = watch_settings(
                Path(root),
                fake.url,
                coingecko_rate_per_minute=KEYLESS_RPM,
                watch_poll_min_s=1.0,
                retry_max_wait_s=1.0,
            )
            with running(create_app(settings)) as server, httpx.Client(timeout=30) as http:
                api = f"{server.http}/api/v1"
                for row in listing:
                    http.post(f"{api}/watchlist", json={"symbol": row["id"]}).raise_for_status()
                deadline = time.monotonic() + 120
                while not any(
                    len(r.query.get("ids", "").split(",")) == COINS
                    for r in fake.requests("/simple/price")
                ):
                    if time.monotonic() > deadline:
                        raise RuntimeError("the watcher never read the 50 coins' prices")
                    time.sleep(0.1)
                fake.reset()
                started = time.monotonic()
                time.sleep(WATCH_SECONDS)
                seconds = time.monotonic() - started
                seen = fake.requests()
                watcher = http.get(f"{api}/watchlist").json()["watcher"]
    finally:
        fake.stop()
    prices = [r for r in seen if r.path == "/simple/price"]
    return Spend(
        len(seen),
        len(prices),
        {len(r.query.get("ids", "").split(",")) for r in prices},
        seconds,
        watcher.get("interval_s"),
        watcher.get("allowance_per_minute"),
    )


def measure() -> Section:
    # As `cryptodesk serve` runs the watcher: the start-up heap frozen out of the collector's
    # view (`serving.settle_heap`); without it the worst case's p99 is the full collections
    # walking every module object (~130 ms at rest against ~34 ms with it).
    settle_heap()
    swinging, calm, baseline = measure_rules()
    section = Section(
        "watcher",
        "Watcher: rules per price update, upstream requests of a 50-coin watchlist",
        ("measure", "p50", "p99", "max", "decisions per update"),
    )
    for t in (swinging, calm, baseline):
        decisions = f"{t.decisions:,.0f}" if t is not baseline else ""
        section.row(
            t.label, f"{t.p50_ms:.2f} ms", f"{t.p99_ms:.2f} ms", f"{t.max_ms:.2f} ms", decisions
        )
    per_second = RULES / (swinging.p50_ms / 1000)
    section.row("rules evaluated per second (swings, at p50)", "", "", "", f"{per_second:,.0f}")
    section.notes.append(
        "decisions: rules that fire, re-arm or are swallowed by their cooldown (each one a write "
        "the watcher then makes); the slowest updates are the ones a full garbage collection "
        "falls in (the swinging case keeps thousands of decisions alive per update)"
    )
    section.check(
        f"{RULES:,} rules / {COINS} coins < {TARGET_UPDATE_MS:.0f} ms per update (p99, swings)",
        f"{swinging.p99_ms:.1f} ms (calm {calm.p99_ms:.1f} ms, bare {baseline.p99_ms:.1f} ms)",
        swinging.p99_ms < TARGET_UPDATE_MS,
    )
    spend = measure_spend()
    updates = spend.price_requests
    unbatched = updates * COINS * 60.0 / spend.seconds
    section.row(
        f"upstream requests/min, {COINS}-coin watchlist (over {spend.seconds:.0f} s)",
        "",
        "",
        "",
        f"{spend.per_minute:.1f}",
    )
    section.row(
        "  of which /simple/price (coins per request)",
        "",
        "",
        "",
        f"{updates} ({', '.join(str(n) for n in sorted(spend.batch_sizes))})",
    )
    section.row("  baseline: one request per coin, same updates", "", "", "", f"{unbatched:.0f}")
    allowance = spend.allowance_per_minute
    shown = "unknown" if allowance is None else f"{allowance:.1f}"
    interval = "unknown" if spend.interval_s is None else f"{spend.interval_s:.1f} s"
    section.notes.append(
        f"keyless plan {KEYLESS_RPM}/min; watcher allowance {shown}/min; poll interval the "
        f"watcher planned: {interval} (shortest allowed here 1 s; by default 60 s, about one "
        "request a minute)"
    )
    limit = allowance if allowance is not None else KEYLESS_RPM
    # A partial minute can catch one request more than the steady rate: allow for it.
    slack = 60.0 / spend.seconds
    section.check(
        f"{COINS}-coin watchlist within the watcher's allowance (keyless {KEYLESS_RPM}/min)",
        f"{spend.per_minute:.1f} req/min",
        spend.per_minute <= math.ceil(limit) + slack,
    )
    return section


def main() -> None:
    print_section(make_console(), measure())


if __name__ == "__main__":
    main()
