"""The replay clock: only candles closed by the simulated now are served, whatever is asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cryptodesk.config import Settings
from cryptodesk.errors import DataUnavailableError
from cryptodesk.market.clock import ReplayClock
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import build_market_service

NOW = datetime(2026, 4, 10, 13, 30, tzinfo=UTC)


@pytest.fixture
def clocked(shared_market_dir: Path) -> ReplayProvider:
    return ReplayProvider(shared_market_dir / "binance_spot_1h", ReplayClock(NOW))


async def test_replay_clock_serves_candles_closed_by_its_now(clocked: ReplayProvider) -> None:
    candles = await clocked.get_ohlc("bitcoin", "1h", 50)
    assert candles.as_of == datetime(2026, 4, 10, 13, tzinfo=UTC)  # the 12:00 candle's close
    assert all(c.time + timedelta(hours=1) <= NOW for c in candles.candles)
    assert len(candles.candles) == 50


async def test_replay_clock_cuts_resampled_and_native_timeframes_alike(
    clocked: ReplayProvider,
) -> None:
    four = await clocked.get_ohlc("bitcoin", "4h", 10)
    assert four.as_of == datetime(2026, 4, 10, 12, tzinfo=UTC)
    daily = await clocked.get_ohlc("ethereum", "1d", 3)  # resampled from ETH 1h
    assert daily.as_of == datetime(2026, 4, 10, tzinfo=UTC)
    assert daily.source == "replay:ETH_USDT_1h.csv resampled to 1d"


async def test_replay_clock_price_is_the_close_at_its_now(clocked: ReplayProvider) -> None:
    quote = await clocked.get_price("bitcoin")
    candles = await clocked.get_ohlc("bitcoin", "1h", 1)
    assert quote.price_usd == candles.candles[-1].close
    assert quote.as_of == candles.as_of


async def test_replay_clock_history_ends_at_its_now(clocked: ReplayProvider) -> None:
    history = await clocked.price_history(
        "bitcoin", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    )
    assert history.points[-1].time <= NOW
    assert history.as_of == datetime(2026, 4, 10, 13, tzinfo=UTC)


async def test_replay_clock_before_the_first_candle_says_so(shared_market_dir: Path) -> None:
    early = ReplayProvider(
        shared_market_dir / "binance_spot_1h", ReplayClock(datetime(2025, 1, 1, tzinfo=UTC))
    )
    with pytest.raises(DataUnavailableError, match="before the first 1h candle"):
        await early.get_ohlc("bitcoin", "1h", 10)


async def test_replay_clock_moves_forward_with_the_same_provider(shared_market_dir: Path) -> None:
    clock = ReplayClock(NOW)
    provider = ReplayProvider(shared_market_dir / "binance_spot_1h", clock)
    first = await provider.get_ohlc("bitcoin", "4h", 5)
    clock.set(NOW + timedelta(hours=4))
    later = await provider.get_ohlc("bitcoin", "4h", 5)
    assert later.as_of == first.as_of + timedelta(hours=4)
    assert later.candles[:-1] == first.candles[1:]


def test_replay_clock_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="UTC"):
        ReplayClock(datetime(2026, 1, 1))  # noqa: DTZ001 - what is refused


async def test_replay_now_setting_sets_the_server_clock(shared_market_dir: Path) -> None:
    settings = Settings(
        market_data="replay",
        replay_dir=shared_market_dir / "binance_spot_1h",
        replay_now="2026-04-10T13:30:00",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    assert settings.replay_now == NOW
    service = build_market_service(settings)
    try:
        candles = await service.get_ohlc("BTC", "1h", 5)
        assert candles.as_of == datetime(2026, 4, 10, 13, tzinfo=UTC)
        assert "as of 2026-04-10 13:30 UTC" in service.status().detail
    finally:
        await service.aclose()
