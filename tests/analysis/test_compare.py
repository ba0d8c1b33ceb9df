from __future__ import annotations

import numpy as np
import pytest

from cryptodesk.analysis.compare import AssetSeries, compare
from cryptodesk.errors import DataUnavailableError
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


def test_compare_needs_overlapping_candles() -> None:
    a = AssetSeries("A", np.arange(5, dtype=np.int64), np.ones(5))
    b = AssetSeries("B", np.arange(10, 15, dtype=np.int64), np.ones(5))
    with pytest.raises(DataUnavailableError, match="share only 0 candles"):
        compare([a, b], 60)
