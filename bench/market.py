"""Market data and analysis: indicators on 1M candles, cache hits, coalesced upstream calls.

(a) The full indicator set through `cryptodesk.analysis.indicators.compute` on 1,000,000 synthetic
    hourly candles (a seeded random walk), against the bare TA-Lib calls for the same lines and a
    bare numpy cumsum for VWAP (anchored per UTC day, as `compute` anchors intraday candles).
    Best of 3. Target: CryptoDesk under 1.5x the bare calls.
(b) Cache hits: `MarketDataService.get_price` on a warm cache (live mode, CoinGecko client in
    front of the loopback fake), and the bare `TtlCache.get` under it. p50 / p99 over 10,000 hits.
    Target: p99 under 1 ms.
(c) 100 concurrent identical `get_price` calls on a cold cache against the loopback fake
    CoinGecko (tests/market/fake_coingecko.py) answering after ~50 ms: upstream calls made
    (target 1) and the wall time. Repeated on 5 fresh services.

`uv run python -m bench.market` runs this one alone.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import talib
from tests.market.fake_coingecko import FakeCoinGecko, Reply, fixture_path

from bench.report import Section, make_console, percentile, print_section
from cryptodesk.analysis.indicators import IndicatorName, compute
from cryptodesk.config import Settings
from cryptodesk.market.cache import TtlCache
from cryptodesk.market.ohlcv import FloatArray, Ohlcv
from cryptodesk.market.schemas import PriceQuote
from cryptodesk.market.service import MarketDataService, build_market_service

CANDLES = 1_000_000
REPEATS = 3
TARGET_RATIO = 1.5
HITS = 10_000
TARGET_HIT_MS = 1.0
CONCURRENT = 100
ROUNDS = 5
UPSTREAM_DELAY_S = 0.05
TARGET_UPSTREAM_CALLS = 1
COIN = "bitcoin"
MARKETS_PATH = "/coins/markets"

FULL_SET: tuple[IndicatorName, ...] = (
    "sma20",
    "sma50",
    "sma200",
    "ema12",
    "ema26",
    "rsi14",
    "macd",
    "bollinger",
    "atr14",
    "adx",
    "stoch",
    "obv",
    "vwap",
)


# --- (a) indicators ------------------------------------------------------------------------


def synthetic_candles(n: int = CANDLES, seed: int = 7) -> Ohlcv:
    """Hourly candles of a seeded geometric random walk, starting at a UTC midnight."""
    rng = np.random.default_rng(seed)
    close = 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.004, n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    top = np.maximum(open_, close)
    bottom = np.minimum(open_, close)
    high = top * (1.0 + np.abs(rng.normal(0.0, 0.002, n)))
    low = bottom * (1.0 - np.abs(rng.normal(0.0, 0.002, n)))
    volume = rng.lognormal(3.0, 1.0, n)
    start = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())
    times = start + np.arange(n, dtype=np.int64) * 3600
    return Ohlcv(times, open_, high, low, close, volume)


def _session_vwap(s: Ohlcv) -> FloatArray:
    """VWAP restarting at each UTC midnight, without a Python loop: the candles laid out one
    session per row (zero-padded), one cumsum along the rows, read back in candle order."""
    typical = (s.high + s.low + s.close) / 3.0
    weighted = typical * s.volume
    day = s.time // 86_400
    n = len(day)
    starts = np.flatnonzero(np.concatenate(([True], day[1:] != day[:-1])))
    lengths = np.diff(np.append(starts, n))
    row = np.repeat(np.arange(len(starts)), lengths)
    col = np.arange(n) - np.repeat(starts, lengths)
    grid = np.zeros((2, len(starts), int(lengths.max())))
    grid[0, row, col] = weighted
    grid[1, row, col] = s.volume
    sums = np.cumsum(grid, axis=2)[:, row, col]
    out = np.full(n, np.nan)
    np.divide(sums[0], sums[1], out=out, where=sums[1] > 0)
    return out


def bare_lines(s: Ohlcv, names: tuple[IndicatorName, ...] = FULL_SET) -> dict[str, FloatArray]:
    """The same lines as `compute`, straight from TA-Lib (and numpy for VWAP)."""
    h, lo, c, v = s.high, s.low, s.close, s.volume
    lines: dict[str, FloatArray] = {}
    for name in names:
        if name.startswith("sma"):
            lines[name] = talib.SMA(c, timeperiod=int(name[3:]))
        elif name.startswith("ema"):
            lines[name] = talib.EMA(c, timeperiod=int(name[3:]))
        elif name == "rsi14":
            lines[name] = talib.RSI(c, timeperiod=14)
        elif name == "atr14":
            lines[name] = talib.ATR(h, lo, c, timeperiod=14)
        elif name == "macd":
            line, signal, hist = talib.MACD(c, fastperiod=12, slowperiod=26, signalperiod=9)
            lines.update(macd=line, macd_signal=signal, macd_hist=hist)
        elif name == "bollinger":
            upper, middle, lower = talib.BBANDS(c, timeperiod=20, nbdevup=2.0, nbdevdn=2.0)
            lines.update(bb_upper=upper, bb_middle=middle, bb_lower=lower)
        elif name == "adx":
            lines["adx"] = talib.ADX(h, lo, c, timeperiod=14)
            lines["plus_di"] = talib.PLUS_DI(h, lo, c, timeperiod=14)
            lines["minus_di"] = talib.MINUS_DI(h, lo, c, timeperiod=14)
        elif name == "stoch":
            k, d = talib.STOCH(h, lo, c, fastk_period=14, slowk_period=3, slowd_period=3)
            lines.update(stoch_k=k, stoch_d=d)
        elif name == "obv":
            lines[name] = talib.OBV(c, v)
        else:
            lines[name] = _session_vwap(s)
    return lines


def best_ms(call: Callable[[], object], repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


@dataclass(frozen=True, slots=True)
class IndicatorTiming:
    label: str
    ours_ms: float
    bare_ms: float

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.bare_ms


def _max_rel_diff(ours: dict[str, FloatArray], bare: dict[str, FloatArray]) -> float:
    worst = 0.0
    if ours.keys() != bare.keys():
        return float("inf")
    for key, a in ours.items():
        b = np.asarray(bare[key], dtype=np.float64)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            return float("inf")
        ok = ~np.isnan(a)
        scale = np.maximum(np.abs(b[ok]), 1e-12)
        if ok.any():
            worst = max(worst, float(np.max(np.abs(a[ok] - b[ok]) / scale)))
    return worst


def measure_indicators() -> tuple[list[IndicatorTiming], IndicatorTiming, float]:
    series = synthetic_candles()
    per_indicator = [
        IndicatorTiming(
            name,
            best_ms(lambda n=name: compute(series, (n,))),
            best_ms(lambda n=name: bare_lines(series, (n,))),
        )
        for name in FULL_SET
    ]
    total = IndicatorTiming(
        "full set",
        best_ms(lambda: compute(series, FULL_SET)),
        best_ms(lambda: bare_lines(series, FULL_SET)),
    )
    diff = _max_rel_diff(compute(series, FULL_SET), bare_lines(series, FULL_SET))
    return per_indicator, total, diff


# --- (b) and (c) market-data service --------------------------------------------------------


def _settings(url: str) -> Settings:
    return Settings(
        market_data="live",
        coingecko_base_url=url,
        coingecko_rate_per_minute=6000,
        retry_max_attempts=3,
        retry_max_wait_s=0.02,
        http_timeout_s=5.0,
        log_level="WARNING",
        _env_file=None,  # type: ignore[call-arg]
    )


@dataclass(frozen=True, slots=True)
class HitLatency:
    label: str
    p50_us: float
    p99_us: float
    mean_us: float
    max_us: float
    upstream_calls: int


@dataclass(frozen=True, slots=True)
class Coalesced:
    upstream_calls: int
    wall_ms: float
    distinct_answers: int


def _latency(label: str, samples_ns: list[int], upstream_calls: int) -> HitLatency:
    us = [s / 1000 for s in samples_ns]
    return HitLatency(
        label,
        percentile(us, 50),
        percentile(us, 99),
        statistics.fmean(us),
        max(us),
        upstream_calls,
    )


async def _service_hits(fake: FakeCoinGecko) -> HitLatency:
    service = build_market_service(_settings(fake.url))
    try:
        await service.get_price(COIN)  # warm the cache
        fake.reset()
        samples: list[int] = []
        for _ in range(HITS):
            started = time.perf_counter_ns()
            await service.get_price(COIN)
            samples.append(time.perf_counter_ns() - started)
    finally:
        await service.aclose()
    return _latency("MarketDataService.get_price", samples, fake.count())


async def _bare_cache_hits(quote: PriceQuote) -> HitLatency:
    cache: TtlCache[PriceQuote] = TtlCache("price", 30.0, 3600.0)

    async def fetch() -> PriceQuote:
        return quote

    await cache.get(COIN, fetch)
    samples: list[int] = []
    for _ in range(HITS):
        started = time.perf_counter_ns()
        await cache.get(COIN, fetch)
        samples.append(time.perf_counter_ns() - started)
    return _latency("TtlCache.get (bare)", samples, 0)


async def _coalesced(fake: FakeCoinGecko, body: bytes) -> Coalesced:
    fake.reset()
    # Every request the fake might see answers late, so that uncoalesced calls would show.
    fake.script(MARKETS_PATH, *[Reply(200, body, delay_s=UPSTREAM_DELAY_S)] * CONCURRENT)
    service: MarketDataService = build_market_service(_settings(fake.url))
    try:
        started = time.perf_counter()
        quotes = await asyncio.gather(*(service.get_price(COIN) for _ in range(CONCURRENT)))
        wall_ms = (time.perf_counter() - started) * 1000
    finally:
        await service.aclose()
    calls = fake.count(MARKETS_PATH)
    fake.reset()
    answers = {(q.coin_id, q.price_usd, q.as_of) for q in quotes}
    return Coalesced(calls, wall_ms, len(answers))


async def measure_service() -> tuple[list[HitLatency], list[Coalesced]]:
    fake = FakeCoinGecko()
    fake.start()
    try:
        service_hits = await _service_hits(fake)
        probe = build_market_service(_settings(fake.url))
        try:
            quote = await probe.get_price(COIN)
        finally:
            await probe.aclose()
        bare_hits = await _bare_cache_hits(quote)
        body = fixture_path("openapi_examples/coins_markets.json").read_bytes()
        rounds = [await _coalesced(fake, body) for _ in range(ROUNDS)]
    finally:
        fake.stop()
    return [service_hits, bare_hits], rounds


# --- the table ------------------------------------------------------------------------------


def measure() -> Section:
    per_indicator, total, diff = measure_indicators()
    hits, rounds = asyncio.run(measure_service())
    return _section(per_indicator, total, diff, hits, rounds)


def _section(
    per_indicator: list[IndicatorTiming],
    total: IndicatorTiming,
    diff: float,
    hits: list[HitLatency],
    rounds: list[Coalesced],
) -> Section:
    section = Section(
        "4. market",
        f"4. Market: indicators on {CANDLES:,} candles (best of {REPEATS}), cache hits "
        f"({HITS:,}), {CONCURRENT} concurrent identical requests",
        ("measurement", "CryptoDesk", "bare", "ratio", "p50", "p99", "upstream calls"),
    )
    for t in [*per_indicator, total]:
        section.row(
            f"indicators: {t.label}",
            f"{t.ours_ms:.1f} ms",
            f"{t.bare_ms:.1f} ms",
            f"{t.ratio:.2f}x",
            "",
            "",
            "",
        )
    for h in hits:
        section.row(
            f"cache hit: {h.label}",
            f"mean {h.mean_us:.1f} µs",
            "",
            "",
            f"{h.p50_us:.1f} µs",
            f"{h.p99_us:.1f} µs",
            h.upstream_calls,
        )
    walls = [r.wall_ms for r in rounds]
    calls = [r.upstream_calls for r in rounds]
    section.row(
        f"{CONCURRENT} concurrent get_price, cold cache",
        f"wall {statistics.median(walls):.0f} ms",
        "",
        "",
        f"{percentile(walls, 50):.0f} ms",
        f"max {max(walls):.0f} ms",
        "/".join(str(c) for c in calls),
    )
    service_hit = hits[0]
    section.notes += [
        f"indicator set: {', '.join(FULL_SET)}; synthetic hourly candles (seeded random walk); "
        "VWAP anchored per UTC day, bare: one numpy cumsum over the candles laid out a session "
        "per row (no Python loop)",
        f"CryptoDesk vs bare outputs, max relative difference: {diff:.1e}",
        f"cache hit: warm cache, live mode through the CoinGecko client; max "
        f"{service_hit.max_us:.0f} µs; upstream calls during the hits: "
        f"{service_hit.upstream_calls}",
        f"concurrent: {ROUNDS} rounds, each on a fresh service against the loopback fake "
        f"answering after {UPSTREAM_DELAY_S * 1000:.0f} ms; upstream calls per round "
        f"{'/'.join(str(c) for c in calls)}; distinct answers per round "
        f"{'/'.join(str(r.distinct_answers) for r in rounds)}",
    ]
    section.check(
        f"indicators < {TARGET_RATIO}x bare TA-Lib",
        f"{total.ratio:.2f}x ({total.ours_ms:.0f} vs {total.bare_ms:.0f} ms)",
        total.ratio < TARGET_RATIO,
    )
    section.check(
        f"cache hit p99 < {TARGET_HIT_MS:.0f} ms",
        f"{service_hit.p99_us / 1000:.3f} ms (p50 {service_hit.p50_us / 1000:.3f} ms)",
        service_hit.p99_us / 1000 < TARGET_HIT_MS,
    )
    section.check(
        f"{CONCURRENT} identical requests -> {TARGET_UPSTREAM_CALLS} upstream call",
        f"{max(calls)} (wall {statistics.median(walls):.0f} ms)",
        max(calls) <= TARGET_UPSTREAM_CALLS,
    )
    return section


if __name__ == "__main__":
    print_section(make_console(), measure())
