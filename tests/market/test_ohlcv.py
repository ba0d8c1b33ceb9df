from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from cryptodesk.market.ohlcv import Ohlcv, last_day, resample
from cryptodesk.market.schemas import bucket_start


def _hourly(start: datetime, count: int) -> Ohlcv:
    times = int(start.timestamp()) + 3600 * np.arange(count, dtype=np.int64)
    close = 100.0 + np.arange(count, dtype=np.float64)
    return Ohlcv(times, close - 0.5, close + 1.0, close - 1.0, close, np.ones(count))


def test_resample_drops_incomplete_buckets() -> None:
    series = _hourly(datetime(2026, 1, 1, 2, tzinfo=UTC), 9)  # 02:00 .. 10:00
    four_hourly = resample(series, "1h", "4h")
    opens = [datetime.fromtimestamp(t, tz=UTC).hour for t in four_hourly.time.tolist()]
    assert opens == [4]  # the 00:00 and 08:00 buckets are partial
    assert four_hourly.open[0] == series.open[2]
    assert four_hourly.close[0] == series.close[5]
    assert four_hourly.high[0] == series.high[5]
    assert four_hourly.low[0] == series.low[2]
    assert four_hourly.volume[0] == 4.0


def test_bucket_start_aligns_weeks_to_monday() -> None:
    thursday = int(datetime(2026, 1, 8, 15, tzinfo=UTC).timestamp())
    monday = datetime.fromtimestamp(bucket_start(thursday, "1w"), tz=UTC)
    assert monday == datetime(2026, 1, 5, tzinfo=UTC)


def test_last_day_change_is_none_without_a_full_day_of_candles() -> None:
    series = _hourly(datetime(2026, 1, 1, tzinfo=UTC), 10)
    assert last_day(series, 3600).change_pct is None


def test_last_day_uses_the_open_24_hours_before_the_last_close() -> None:
    series = _hourly(datetime(2026, 1, 1, tzinfo=UTC), 30)
    window = last_day(series, 3600)
    assert window.price == series.close[-1]
    assert window.change_pct == (series.close[-1] / series.open[6] - 1) * 100
    assert window.high == series.high[-1]
    assert window.low == series.low[6]
