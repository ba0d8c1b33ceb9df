"""How often the watcher reads prices: from the rate budget and what it has to read.

Each price update is one batched request per 100 coins. Candle rules (RSI, volume spikes) read
candles per coin and timeframe through the market cache (a CoinGecko candle read is up to two
requests); the watchlist's sparklines are one request an hour. The watcher may spend `share` of
the plan's requests per minute (questions need the rest), so when the readings would cost more,
both the price interval and the candle interval stretch until they fit. The token bucket under
the CoinGecko client enforces the plan whatever this estimate says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cryptodesk.market.live import IDS_PER_REQUEST, MAX_TOP_COINS

CANDLE_REQUESTS = 2
"""A live candle read: `/market_chart` and, for real OHLC, `/ohlc`."""
SPARKLINE_PERIOD_S = 3600.0
FUNDING_MIN_S = 60.0
"""Funding rates move every few hours; a minute between reads is plenty (the exchange's own
budget, not CoinGecko's)."""


@dataclass(frozen=True, slots=True)
class PollPlan:
    interval_s: float
    """Between price updates."""
    candle_interval_s: float
    """Between candle reads of one coin and timeframe."""
    funding_interval_s: float
    price_requests: int
    """Upstream requests per price update."""
    requests_per_minute: float
    """What the watcher spends, steady state (0 for local market data)."""
    allowance_per_minute: float | None
    """What it may spend (None: local data, no budget)."""


def plan_polling(
    *,
    coins: int,
    candle_keys: int,
    min_interval_s: float,
    candle_min_s: float,
    rate_per_minute: float | None,
    share: float,
    funding_min_s: float = FUNDING_MIN_S,
) -> PollPlan:
    """`candle_min_s`: how long the market cache keeps the shortest candle timeframe in use;
    `rate_per_minute` None means local data (replay, demo)."""
    interval = min_interval_s
    candle_interval = max(candle_min_s, interval)
    funding_interval = max(funding_min_s, interval)
    if rate_per_minute is None or coins == 0:
        return PollPlan(interval, candle_interval, funding_interval, 0, 0.0, None)
    price_requests = math.ceil(coins / IDS_PER_REQUEST)
    sparkline_rpm = math.ceil(coins / MAX_TOP_COINS) * 60.0 / SPARKLINE_PERIOD_S
    allowance = rate_per_minute * share

    def spend(price_s: float, candle_s: float) -> float:
        candles = candle_keys * CANDLE_REQUESTS * 60.0 / candle_s
        return price_requests * 60.0 / price_s + candles + sparkline_rpm

    cost = spend(interval, candle_interval)
    if cost > allowance:
        # The sparklines are a fixed hourly cost; stretch what can be stretched to fit the rest.
        stretch = (cost - sparkline_rpm) / max(allowance - sparkline_rpm, 1e-9)
        interval *= stretch
        candle_interval *= stretch
        funding_interval = max(funding_interval, interval)
        cost = spend(interval, candle_interval)
    return PollPlan(
        interval,
        candle_interval,
        funding_interval,
        price_requests,
        round(cost, 3),
        allowance,
    )
