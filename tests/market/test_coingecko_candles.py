from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cryptodesk.errors import BadRangeError
from cryptodesk.market.coingecko_candles import (
    SOURCE_OHLC,
    SOURCE_SAMPLES,
    build_candles,
    plan_candles,
)
from cryptodesk.market.coingecko_payloads import MarketChart, OhlcRow

NOW = int(datetime(2026, 5, 1, 12, 34, tzinfo=UTC).timestamp())
H = 3600


def chart(prices: list[tuple[int, float]], volume_24h: float = 2_400_000.0) -> MarketChart:
    return MarketChart(
        prices=[(t * 1000, p) for t, p in prices],
        total_volumes=[(t * 1000, volume_24h) for t, _ in prices],
    )


@pytest.mark.parametrize(
    ("timeframe", "limit", "ohlc_days", "chart_days"),
    [
        ("4h", 10, 7, 7),
        ("4h", 60, 14, 14),
        ("4h", 178, 30, 30),
        ("4h", 179, None, 31),
        ("1h", 22, 1, 1),
        ("1h", 200, None, 10),
        ("1d", 28, 30, 30),
        ("1d", 100, None, 102),
        ("1d", 29, None, 91),
        ("5m", 200, None, 1),
        ("15m", 95, None, 1),
        ("1w", 51, None, 365),
    ],
)
def test_plan_candles_picks_real_ohlc_when_its_body_fits_else_samples(
    timeframe: str, limit: int, ohlc_days: int | None, chart_days: int
) -> None:
    plan = plan_candles(timeframe, limit)  # type: ignore[arg-type]
    assert (plan.ohlc_days, plan.chart_days) == (ohlc_days, chart_days)
    assert plan.source == (SOURCE_OHLC if ohlc_days else SOURCE_SAMPLES)


@pytest.mark.parametrize(
    ("timeframe", "limit", "most"),
    [("5m", 300, 287), ("15m", 300, 95), ("1h", 3000, 2135), ("1d", 1000, 363), ("1w", 300, 51)],
)
def test_plan_candles_cuts_the_limit_to_the_history_the_public_api_keeps(
    timeframe: str, limit: int, most: int
) -> None:
    plan = plan_candles(timeframe, limit)  # type: ignore[arg-type]
    assert plan.limit == most
    assert plan.chart_days <= 365
    assert plan_candles(timeframe, most) == plan  # type: ignore[arg-type]


def test_plan_candles_rejects_a_limit_below_one() -> None:
    with pytest.raises(BadRangeError, match="at least 1"):
        plan_candles("1h", 0)


def test_build_candles_reads_ohlc_times_as_close_times() -> None:
    last_close = NOW // (4 * H) * (4 * H)  # 12:00, the last 4h candle closed by 12:34
    rows: list[OhlcRow] = [
        (float((last_close - 4 * H) * 1000), 10.0, 12.0, 9.0, 11.0),
        (float(last_close * 1000), 11.0, 13.0, 10.0, 12.0),
        (float((last_close + 4 * H) * 1000), 12.0, 14.0, 11.0, 13.0),  # still open at NOW
    ]
    prices = [(last_close - k * H, 11.0) for k in range(10)]
    candles = build_candles(plan_candles("4h", 2), chart(prices), rows, NOW)
    assert [c.time.timestamp() for c in candles] == [last_close - 8 * H, last_close - 4 * H]
    assert [(c.open, c.high, c.low, c.close) for c in candles] == [
        (10.0, 12.0, 9.0, 11.0),
        (11.0, 13.0, 10.0, 12.0),
    ]


def test_build_candles_merges_six_4h_bodies_into_a_daily_candle() -> None:
    day = NOW // 86_400 * 86_400  # today 00:00; yesterday is the last closed day
    rows: list[OhlcRow] = [
        (float((day - 86_400 + (k + 1) * 4 * H) * 1000), 100.0 + k, 110.0 + k, 90.0 - k, 101.0 + k)
        for k in range(6)
    ]
    prices = [(day - k * H, 100.0) for k in range(30)]
    [candle] = build_candles(plan_candles("1d", 1), chart(prices), rows, NOW)
    assert candle.time.timestamp() == day - 86_400
    assert (candle.open, candle.high, candle.low, candle.close) == (100.0, 115.0, 85.0, 106.0)


def test_build_candles_drops_a_daily_candle_missing_a_body() -> None:
    day = NOW // 86_400 * 86_400
    rows: list[OhlcRow] = [
        (float((day - 86_400 + (k + 1) * 4 * H) * 1000), 1.0, 1.0, 1.0, 1.0) for k in range(5)
    ]
    prices = [(day - k * H, 1.0) for k in range(30)]
    assert build_candles(plan_candles("1d", 1), chart(prices), rows, NOW) == ()


def test_build_candles_approximates_from_samples_nearest_the_candle_edges() -> None:
    hour = NOW // H * H  # 12:00; the last closed 1h candle is 11:00-12:00
    samples = [
        (hour - 2 * H + 180, 100.0),  # 10:03
        (hour - H - 120, 104.0),  # 10:58
        (hour - H + 900, 108.0),  # 11:15
        (hour - H + 1800, 95.0),  # 11:30
        (hour + 120, 102.0),  # 12:02
        (NOW, 103.0),  # the unaligned "now" sample
    ]
    plan = plan_candles("1h", 100)
    candles = build_candles(plan, chart(samples, volume_24h=2_400_000.0), None, NOW)
    assert [c.time.timestamp() for c in candles] == [hour - 2 * H, hour - H]
    last = candles[-1]
    assert (last.open, last.high, last.low, last.close) == (104.0, 108.0, 95.0, 102.0)
    # Volume: the rolling 24 h volume spread over the hour, in base units.
    assert last.volume == pytest.approx(2_400_000.0 / 24 / 102.0)


def test_build_candles_skips_candles_without_a_nearby_sample() -> None:
    hour = NOW // H * H
    samples = [(hour - 5 * H, 1.0), (hour - 4 * H, 2.0), (hour + 60, 3.0)]
    candles = build_candles(plan_candles("1h", 100), chart(samples), None, NOW)
    assert [c.time.timestamp() for c in candles] == [hour - 5 * H]
