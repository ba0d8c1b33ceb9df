from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from cryptodesk.market.catalog import COINS
from cryptodesk.market.demo import DEMO_SOURCE, DemoProvider
from cryptodesk.market.schemas import TIMEFRAMES, Timeframe
from tests.market.conftest import FIXED_NOW, fixed_clock


async def test_demo_is_deterministic_for_a_seed_and_clock(demo: DemoProvider) -> None:
    again = DemoProvider(7, clock=fixed_clock())
    assert await demo.get_ohlc("bitcoin", "1h", 50) == await again.get_ohlc("bitcoin", "1h", 50)
    assert await demo.get_price("solana") == await again.get_price("solana")


async def test_demo_seed_changes_the_market(demo: DemoProvider) -> None:
    other = DemoProvider(8, clock=fixed_clock())
    mine = await demo.get_ohlc("bitcoin", "1h", 10)
    theirs = await other.get_ohlc("bitcoin", "1h", 10)
    assert [c.close for c in mine.candles] != [c.close for c in theirs.candles]


def test_demo_candle_depends_only_on_its_time(demo: DemoProvider) -> None:
    later = DemoProvider(7, clock=fixed_clock(FIXED_NOW + timedelta(hours=5)))
    now_series = demo.series("ethereum", "1h", 100)
    later_series = later.series("ethereum", "1h", 100)
    overlap = np.isin(later_series.time, now_series.time)
    assert overlap.sum() == 95
    np.testing.assert_array_equal(later_series.close[overlap], now_series.close[-95:])


async def test_demo_ends_at_the_current_time(demo: DemoProvider) -> None:
    candles = await demo.get_ohlc("bitcoin", "4h", 3)
    assert candles.as_of == datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert candles.candles[-1].time == datetime(2026, 5, 1, 8, tzinfo=UTC)
    quote = await demo.get_price("bitcoin")
    assert quote.as_of == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize("timeframe", TIMEFRAMES)
def test_demo_candles_are_consistent_for_every_coin(
    demo: DemoProvider, timeframe: Timeframe
) -> None:
    for coin in COINS:
        s = demo.series(coin.id, timeframe, 300)
        assert np.all(s.low <= np.minimum(s.open, s.close))
        assert np.all(s.high >= np.maximum(s.open, s.close))
        assert np.all(s.volume > 0)
        assert np.all(np.isfinite(s.close))


async def test_demo_prices_are_plausible(demo: DemoProvider) -> None:
    btc = await demo.get_price("bitcoin")
    doge = await demo.get_price("dogecoin")
    assert 20_000 < btc.price_usd < 200_000
    assert 0.02 < doge.price_usd < 1.0
    assert btc.change_24h_pct is not None and abs(btc.change_24h_pct) < 25


async def test_demo_labels_every_value_simulated(demo: DemoProvider) -> None:
    quote = await demo.get_price("cardano")
    candles = await demo.get_ohlc("cardano", "1d", 5)
    assert quote.simulated and candles.simulated
    assert quote.source == candles.source == DEMO_SOURCE
    assert "simulated" in DEMO_SOURCE


async def test_demo_values_are_reused_until_a_candle_closes() -> None:
    now = [FIXED_NOW]
    demo = DemoProvider(7, clock=lambda: now[0])
    candles, quote = await demo.get_ohlc("bitcoin", "4h", 50), await demo.get_price("bitcoin")
    now[0] += timedelta(seconds=3)  # 12:34:56 -> 12:34:59: no 4h or 5m candle closed
    assert await demo.get_ohlc("bitcoin", "4h", 50) is candles
    assert await demo.get_price("bitcoin") is quote
    now[0] += timedelta(hours=4)
    later = await demo.get_ohlc("bitcoin", "4h", 50)
    assert later.candles[-2] == candles.candles[-1]  # one candle on, the rest unchanged
    assert (await demo.get_price("bitcoin")).as_of > quote.as_of
    fresh = DemoProvider(7, clock=lambda: now[0])
    assert await fresh.get_ohlc("bitcoin", "4h", 50) == later  # the cache changes no value
