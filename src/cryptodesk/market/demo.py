"""The built-in demo market: simulated, deterministic and plausible, labelled as simulated.

A candle is a pure function of (seed, coin, timeframe, open time): the log price is a sum of
coin-specific sinusoids (periods from hours to years) plus hashed per-timestamp noise, so a series
always ends at the current time and is reproducible for a given clock.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from cryptodesk.errors import BadRangeError, DataUnavailableError
from cryptodesk.market.catalog import COINS, coin_by_id
from cryptodesk.market.ohlcv import FloatArray, IntArray, Ohlcv, day_quote
from cryptodesk.market.schemas import (
    Candles,
    PriceHistory,
    PriceQuote,
    Timeframe,
    bucket_start,
    parse_timeframe,
    timeframe_seconds,
    utc_from_epoch,
)

DEMO_SOURCE = "demo (simulated)"
_YEAR_S = 365.25 * 86_400
_DAY_S = 86_400
_CACHED_CANDLES = 64
_PERIODS_S = tuple(8 * 3600 * (2.0 ** (k / 1.5)) for k in range(16))  # 8 h .. about 3 years
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class _Profile:
    price: float
    """Typical USD price, the centre the simulation wanders around."""
    volatility: float
    """Annualised volatility of log returns."""
    volume_usd: float
    """Typical 24 h traded volume in USD."""


_PROFILES: dict[str, _Profile] = {
    "bitcoin": _Profile(65_000.0, 0.55, 25e9),
    "ethereum": _Profile(3_200.0, 0.70, 12e9),
    "binancecoin": _Profile(600.0, 0.60, 1.5e9),
    "solana": _Profile(150.0, 0.90, 3e9),
    "ripple": _Profile(0.55, 0.85, 1.5e9),
    "dogecoin": _Profile(0.15, 1.00, 1e9),
    "cardano": _Profile(0.45, 0.90, 4e8),
    "tron": _Profile(0.12, 0.55, 3e8),
    "avalanche-2": _Profile(30.0, 1.00, 4e8),
    "the-open-network": _Profile(6.0, 0.90, 2e8),
    "shiba-inu": _Profile(0.00002, 1.10, 4e8),
    "chainlink": _Profile(15.0, 0.95, 4e8),
    "polkadot": _Profile(6.5, 0.90, 2e8),
    "sui": _Profile(1.5, 1.10, 3e8),
    "litecoin": _Profile(80.0, 0.80, 4e8),
    "uniswap": _Profile(8.0, 1.00, 2e8),
    "near": _Profile(5.0, 1.00, 2.5e8),
    "aptos": _Profile(8.0, 1.00, 1.5e8),
    "polygon-ecosystem-token": _Profile(0.5, 1.00, 1.5e8),
    "cosmos": _Profile(7.0, 0.95, 1.5e8),
    "arbitrum": _Profile(0.8, 1.05, 2e8),
    "optimism": _Profile(1.8, 1.05, 1.5e8),
}


def _hash64(*parts: object) -> int:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _uniform(times: IntArray, key: int) -> FloatArray:
    """splitmix64 of (time xor key) mapped to [0, 1): a hash, not a random stream."""
    x = times.astype(np.uint64) ^ np.uint64(key)
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 2**53)


def _normal(times: IntArray, key: int) -> FloatArray:
    u1 = _uniform(times, key)
    u2 = _uniform(times, (key * 0x2545F4914F6CDD1D + 1) & _MASK64)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * math.pi * u2)


class DemoProvider:
    """Simulated prices and candles for every catalog coin and timeframe."""

    def __init__(self, seed: int, clock: Callable[[], datetime] | None = None) -> None:
        self._seed = seed
        self._clock = clock or (lambda: datetime.now(UTC))
        # Candles change only when a candle closes; rebuilding them per call cost several ms
        # (the `auto` market's fallback asks for the same ones question after question).
        self._candles: dict[tuple[str, Timeframe, int, int], Candles] = {}
        self._quotes: dict[tuple[str, int], PriceQuote] = {}

    @property
    def name(self) -> str:
        return "demo"

    @property
    def simulated(self) -> bool:
        return True

    def available_coins(self) -> tuple[str, ...]:
        return tuple(coin.id for coin in COINS if coin.id in _PROFILES)

    async def aclose(self) -> None:
        return None

    async def get_price(self, coin_id: str) -> PriceQuote:
        coin = coin_by_id(coin_id)
        key = (coin.id, self._last_open("5m"))
        cached = self._quotes.get(key)
        if cached is None:
            cached = self._quote(coin_id)
            if len(self._quotes) >= _CACHED_CANDLES:
                self._quotes.pop(next(iter(self._quotes)))
            self._quotes[key] = cached
        return cached

    def _quote(self, coin_id: str) -> PriceQuote:
        coin = coin_by_id(coin_id)
        step = timeframe_seconds("5m")
        series = self.series(coin_id, "5m", _DAY_S // step)
        return day_quote(coin, series, step, source=DEMO_SOURCE, simulated=True)

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles:
        if limit < 1:
            raise BadRangeError(f"limit must be at least 1, got {limit}")
        coin = coin_by_id(coin_id)
        tf = parse_timeframe(timeframe)
        key = (coin.id, tf, limit, self._last_open(tf))
        cached = self._candles.get(key)
        if cached is not None:
            return cached
        series = self.series(coin_id, tf, limit)
        candles = Candles(
            coin_id=coin.id,
            symbol=coin.symbol,
            timeframe=timeframe,
            candles=series.to_candles(),
            source=DEMO_SOURCE,
            as_of=utc_from_epoch(int(series.time[-1]) + timeframe_seconds(timeframe)),
            simulated=True,
        )
        if len(self._candles) >= _CACHED_CANDLES:
            self._candles.pop(next(iter(self._candles)))
        self._candles[key] = candles
        return candles

    async def price_history(self, coin_id: str, start: datetime, end: datetime) -> PriceHistory:
        raise DataUnavailableError(
            "the demo market is simulated: it has no real history (live CoinGecko data or "
            "replay files that cover the dates have)"
        )

    def series(self, coin_id: str, timeframe: Timeframe, limit: int) -> Ohlcv:
        """The last `limit` closed candles as of the clock."""
        profile = _PROFILES.get(coin_by_id(coin_id).id)
        if profile is None:
            raise BadRangeError(f"the demo market has no profile for {coin_id}")
        step = timeframe_seconds(timeframe)
        times = self._last_open(timeframe) - step * np.arange(limit - 1, -1, -1, dtype=np.int64)
        return simulate(self._seed, coin_id, profile, timeframe, times)

    def _last_open(self, timeframe: Timeframe) -> int:
        """When the last closed candle of `timeframe` opened, as of the clock (epoch s)."""
        now = int(self._clock().timestamp())
        return bucket_start(now, timeframe) - timeframe_seconds(timeframe)


def simulate(
    seed: int, coin_id: str, profile: _Profile, timeframe: Timeframe, times: IntArray
) -> Ohlcv:
    step = timeframe_seconds(timeframe)
    step_vol = profile.volatility * math.sqrt(step / _YEAR_S)

    def key(stream: str) -> int:
        return _hash64(seed, coin_id, timeframe, stream)

    def level(at: IntArray) -> FloatArray:
        trend = np.zeros(at.shape, dtype=np.float64)
        for k, period in enumerate(_PERIODS_S):
            phase = _hash64(seed, coin_id, k) / 2**64 * 2.0 * math.pi
            amplitude = 0.2 * profile.volatility * math.sqrt(period / _YEAR_S)
            trend += amplitude * np.sin(2.0 * math.pi * at / period + phase)
        return math.log(profile.price) + trend + 0.6 * step_vol * _normal(at, key("level"))

    open_ = np.exp(level(times))
    close = np.exp(level(times + step))
    wick_up = np.exp(0.6 * step_vol * np.abs(_normal(times, key("high"))))
    wick_down = np.exp(-0.6 * step_vol * np.abs(_normal(times, key("low"))))
    high = np.maximum(open_, close) * wick_up
    low = np.minimum(open_, close) * wick_down
    activity = 1.0 + 0.3 * np.abs(np.log(close / open_)) / step_vol
    volume_usd = profile.volume_usd * step / _DAY_S * activity
    volume = volume_usd * np.exp(0.35 * _normal(times, key("volume"))) / close
    return Ohlcv(times.astype(np.int64), open_, high, low, close, volume)
