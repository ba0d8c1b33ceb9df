from __future__ import annotations

import numpy as np
import pytest

from cryptodesk.analysis.compare import AssetSeries, compare
from cryptodesk.market.ohlcv import Ohlcv


def test_compare_ranks_assets_on_their_common_candles(btc_1h: Ohlcv, eth_1h: Ohlcv) -> None:
    result = compare(
        [
            AssetSeries("BTC", btc_1h.time, btc_1h.close),
            AssetSeries("ETH", eth_1h.time, eth_1h.close),
        ],
        3600,
    )
    common = np.intersect1d(btc_1h.time, eth_1h.time)
    assert result.candles == common.size
    assert (result.start, result.end) == (int(common[0]), int(common[-1]))
    btc = result.assets[0]
    assert btc.start_price == float(btc_1h.close[btc_1h.time == common[0]][0])
    assert {result.best, result.worst} == {"BTC", "ETH"}
    assert result.correlation[0][0] == pytest.approx(1.0)
    assert result.correlation[0][1] == result.correlation[1][0]
    assert result.correlation[0][1] is not None and 0.5 < result.correlation[0][1] < 1


def test_compare_correlation_is_none_for_a_flat_series() -> None:
    times = np.arange(5, dtype=np.int64)
    flat = AssetSeries("A", times, np.full(5, 3.0))
    moving = AssetSeries("B", times, np.array([1.0, 2.0, 1.5, 3.0, 2.0]))
    assert compare([flat, moving], 60).correlation[0][1] is None


def test_compare_without_overlapping_candles_explains_instead_of_failing() -> None:
    a = AssetSeries("A", np.arange(5, dtype=np.int64), np.ones(5))
    b = AssetSeries("B", np.arange(10, 15, dtype=np.int64), np.ones(5))
    result = compare([a, b], 1)
    assert (result.candles, result.assets, result.start, result.best) == (0, (), None, None)
    assert (
        result.note == "A, B share 0 candles in the window; at least 3 are needed to compare them"
    )
    assert [(end.symbol, end.behind_s) for end in result.ends] == [("A", 10), ("B", 0)]


def test_compare_ends_the_window_at_the_earliest_last_candle(btc_1h: Ohlcv, eth_1h: Ohlcv) -> None:
    """BTC's replay file ends 9 days 17 hours before ETH's: a 7-day comparison is measured over
    the 7 days before BTC's last candle, not over ETH's last week (which BTC has none of)."""
    week = 7 * 86_400
    series = [
        AssetSeries("BTC", btc_1h.time, btc_1h.close),
        AssetSeries("ETH", eth_1h.time, eth_1h.close),
    ]
    result = compare(series, 3600, week)
    btc_end = int(btc_1h.time[-1])
    assert (result.start, result.end) == (btc_end - week, btc_end)
    assert result.candles == 169
    (lag,) = [end for end in result.ends if end.behind_s > 0]
    assert (lag.symbol, lag.behind_s) == ("BTC", int(eth_1h.time[-1]) - btc_end)
    assert lag.behind_s == (9 * 24 + 17) * 3600
    eth_start = float(eth_1h.close[eth_1h.time == btc_end - week][0])
    assert result.assets[1].start_price == eth_start
