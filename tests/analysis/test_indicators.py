from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from cryptodesk.analysis import indicators
from cryptodesk.market.ohlcv import FloatArray

REFERENCE_FILES = (
    "btc_usdt_1h_talib.csv",
    "eth_usdt_1h_talib.csv",
    "sol_usdt_1h_talib.csv",
    "btc_usd_1d_talib.csv",
)


def _load(path: Path) -> dict[str, FloatArray]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = [name for name in rows[0] if name != "timestamp"]
    return {
        name: np.array([float(row[name]) if row[name] else np.nan for row in rows])
        for name in columns
    }


def _ours(ref: dict[str, FloatArray]) -> dict[str, FloatArray]:
    close, high, low = ref["close"], ref["high"], ref["low"]
    macd = indicators.macd(close)
    bands = indicators.bollinger(close)
    return {
        "RSI14": indicators.rsi(close, 14),
        "MACD_12_26_9": macd.macd,
        "MACD_signal_9": macd.signal,
        "MACD_hist": macd.histogram,
        "BB_upper_20_2": bands.upper,
        "BB_mid_20_2": bands.middle,
        "BB_lower_20_2": bands.lower,
        "SMA20": indicators.sma(close, 20),
        "SMA50": indicators.sma(close, 50),
        "SMA200": indicators.sma(close, 200),
        "EMA12": indicators.ema(close, 12),
        "EMA20": indicators.ema(close, 20),
        "EMA26": indicators.ema(close, 26),
        "EMA50": indicators.ema(close, 50),
        "ATR14": indicators.atr(high, low, close, 14),
    }


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_indicators_agree_with_talib_reference_tables(shared_market_dir: Path, name: str) -> None:
    ref = _load(shared_market_dir / "reference" / name)
    for column, ours in _ours(ref).items():
        expected = ref[column]
        assert np.array_equal(np.isnan(ours), np.isnan(expected)), column
        valid = ~np.isnan(expected)
        assert valid.sum() > 100, column
        np.testing.assert_allclose(ours[valid], expected[valid], rtol=1e-9, err_msg=column)


def test_indicators_warm_up_rows_follow_talib_conventions(shared_market_dir: Path) -> None:
    close = _load(shared_market_dir / "reference" / "eth_usdt_1h_talib.csv")["close"]
    first = {
        "rsi": int(np.argmax(~np.isnan(indicators.rsi(close)))),
        "macd": int(np.argmax(~np.isnan(indicators.macd(close).signal))),
        "sma200": int(np.argmax(~np.isnan(indicators.sma(close, 200)))),
    }
    assert first == {"rsi": 14, "macd": 33, "sma200": 199}


def test_compute_returns_requested_lines_once_each() -> None:
    from cryptodesk.market.ohlcv import Ohlcv

    n = 60
    close = np.linspace(100.0, 130.0, n)
    series = Ohlcv(np.arange(n, dtype=np.int64), close, close + 1, close - 1, close, np.ones(n))
    lines = indicators.compute(series, ["sma20", "macd", "sma20", "bollinger"])
    assert list(lines) == [
        "sma20",
        "macd",
        "macd_signal",
        "macd_hist",
        "bb_upper",
        "bb_middle",
        "bb_lower",
    ]
    assert all(values.shape == (n,) for values in lines.values())


def test_last_value_is_none_while_warming_up() -> None:
    assert indicators.last_value(indicators.sma(np.arange(10, dtype=np.float64), 20)) is None
    assert indicators.last_value(indicators.sma(np.arange(30, dtype=np.float64), 20)) == 19.5
