from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import talib

from cryptodesk.analysis import indicators, volume
from cryptodesk.market.ohlcv import FloatArray, Ohlcv

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


COMPUTED_COLUMNS = {
    "RSI14": "rsi14",
    "MACD_12_26_9": "macd",
    "MACD_signal_9": "macd_signal",
    "MACD_hist": "macd_hist",
    "BB_upper_20_2": "bb_upper",
    "BB_mid_20_2": "bb_middle",
    "BB_lower_20_2": "bb_lower",
    "SMA20": "sma20",
    "SMA50": "sma50",
    "SMA200": "sma200",
    "EMA12": "ema12",
    "EMA20": "ema20",
    "EMA26": "ema26",
    "EMA50": "ema50",
    "ATR14": "atr14",
}
"""Reference column -> line of `indicators.compute`."""


def _series(ref: dict[str, FloatArray], step_s: int = 3600) -> Ohlcv:
    n = ref["close"].shape[0]
    time = np.arange(n, dtype=np.int64) * step_s
    return Ohlcv(time, ref["open"], ref["high"], ref["low"], ref["close"], ref["volume"])


def _assert_matches(ours: FloatArray, expected: FloatArray, column: str) -> None:
    assert np.array_equal(np.isnan(ours), np.isnan(expected)), column
    valid = ~np.isnan(expected)
    assert valid.sum() > 100, column
    np.testing.assert_allclose(ours[valid], expected[valid], rtol=1e-9, err_msg=column)


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_indicators_cover_every_reference_column(shared_market_dir: Path, name: str) -> None:
    ref = _load(shared_market_dir / "reference" / name)
    source = {"open", "high", "low", "close", "volume"}
    assert set(ref) - source == set(_ours(ref)) == set(COMPUTED_COLUMNS)


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_compute_agrees_with_talib_reference_tables(shared_market_dir: Path, name: str) -> None:
    ref = _load(shared_market_dir / "reference" / name)
    lines = indicators.compute(_series(ref), indicators.INDICATORS)
    for column, line in COMPUTED_COLUMNS.items():
        _assert_matches(lines[line], ref[column], column)


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_indicators_agree_with_talib_reference_tables(shared_market_dir: Path, name: str) -> None:
    ref = _load(shared_market_dir / "reference" / name)
    for column, ours in _ours(ref).items():
        _assert_matches(ours, ref[column], column)


def test_indicators_warm_up_rows_follow_talib_conventions(shared_market_dir: Path) -> None:
    close = _load(shared_market_dir / "reference" / "eth_usdt_1h_talib.csv")["close"]
    first = {
        "rsi": int(np.argmax(~np.isnan(indicators.rsi(close)))),
        "macd": int(np.argmax(~np.isnan(indicators.macd(close).signal))),
        "sma200": int(np.argmax(~np.isnan(indicators.sma(close, 200)))),
    }
    assert first == {"rsi": 14, "macd": 33, "sma200": 199}


def test_compute_returns_requested_lines_once_each() -> None:
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


def test_adx_is_talibs_adx_with_its_directional_indicators(btc_1h: Ohlcv) -> None:
    h, lo, c = btc_1h.high, btc_1h.low, btc_1h.close
    ours = indicators.adx(h, lo, c)
    for line, expected in (
        (ours.adx, talib.ADX(h, lo, c, timeperiod=14)),
        (ours.plus_di, talib.PLUS_DI(h, lo, c, timeperiod=14)),
        (ours.minus_di, talib.MINUS_DI(h, lo, c, timeperiod=14)),
    ):
        np.testing.assert_array_equal(line, expected)


def test_adx_warms_up_for_two_periods_and_stays_within_0_100(btc_1h: Ohlcv) -> None:
    ours = indicators.adx(btc_1h.high, btc_1h.low, btc_1h.close)
    assert int(np.argmax(~np.isnan(ours.adx))) == 27
    assert int(np.argmax(~np.isnan(ours.plus_di))) == 14
    for line in (ours.adx, ours.plus_di, ours.minus_di):
        valid = line[~np.isnan(line)]
        assert valid.min() >= 0 and valid.max() <= 100


def test_stochastic_is_talibs_slow_stochastic_14_3_3(eth_1h: Ohlcv) -> None:
    h, lo, c = eth_1h.high, eth_1h.low, eth_1h.close
    ours = indicators.stochastic(h, lo, c)
    k, d = talib.STOCH(h, lo, c, fastk_period=14, slowk_period=3, slowd_period=3)
    np.testing.assert_array_equal(ours.k, k)
    np.testing.assert_array_equal(ours.d, d)
    assert int(np.argmax(~np.isnan(ours.k))) == 17


def test_stochastic_k_is_the_smoothed_position_in_the_14_candle_range(eth_1h: Ohlcv) -> None:
    h, lo, c = eth_1h.high, eth_1h.low, eth_1h.close
    fast = np.array(
        [
            (c[i] - lo[i - 13 : i + 1].min()) / (h[i - 13 : i + 1].max() - lo[i - 13 : i + 1].min())
            for i in range(13, len(c))
        ]
    )
    slow = np.convolve(fast * 100, np.ones(3) / 3, mode="valid")  # starts at index 15
    # TA-Lib starts %K where %D starts, at 17.
    np.testing.assert_allclose(indicators.stochastic(h, lo, c).k[17:], slow[2:], rtol=1e-9)


def test_obv_is_talibs_obv(btc_1h: Ohlcv) -> None:
    ours = indicators.compute(btc_1h, ["obv"])["obv"]
    np.testing.assert_array_equal(ours, talib.OBV(btc_1h.close, btc_1h.volume))


def test_obv_adds_volume_on_up_candles_and_subtracts_it_on_down_candles(btc_1h: Ohlcv) -> None:
    ours = volume.obv(btc_1h.close, btc_1h.volume)
    steps = np.diff(ours)
    expected = np.sign(np.diff(btc_1h.close)) * btc_1h.volume[1:]
    np.testing.assert_allclose(steps, expected, rtol=1e-9, atol=1e-6)
    assert ours[0] == btc_1h.volume[0]


def _reference_vwap(series: Ohlcv, session: bool) -> list[float]:
    out: list[float] = []
    weighted = total = 0.0
    day = None
    for i in range(len(series)):
        if session and series.time[i] // 86_400 != day:
            day = series.time[i] // 86_400
            weighted = total = 0.0
        typical = (series.high[i] + series.low[i] + series.close[i]) / 3
        weighted += typical * series.volume[i]
        total += series.volume[i]
        out.append(weighted / total if total > 0 else float("nan"))
    return out


def test_session_vwap_matches_a_reference_loop(btc_1h: Ohlcv) -> None:
    s = btc_1h
    ours = volume.vwap(s.high, s.low, s.close, s.volume, s.time)
    np.testing.assert_allclose(ours, _reference_vwap(s, session=True), rtol=1e-12)


def test_window_vwap_matches_a_reference_loop(btc_1h: Ohlcv) -> None:
    s = btc_1h
    ours = volume.vwap(s.high, s.low, s.close, s.volume)
    np.testing.assert_allclose(ours, _reference_vwap(s, session=False), rtol=1e-12)


def test_session_vwap_restarts_at_utc_midnight(btc_1h: Ohlcv) -> None:
    s = btc_1h
    ours = volume.vwap(s.high, s.low, s.close, s.volume, s.time)
    midnight = np.flatnonzero(s.time % 86_400 == 0)
    assert midnight.size > 80
    typical = (s.high + s.low + s.close) / 3
    np.testing.assert_allclose(ours[midnight], typical[midnight], rtol=1e-12)


def test_vwap_is_nan_until_something_traded() -> None:
    price = np.array([10.0, 11.0, 12.0])
    ours = volume.vwap(price, price, price, np.array([0.0, 2.0, 2.0]))
    assert np.isnan(ours[0])
    np.testing.assert_allclose(ours[1:], [11.0, 11.5])


def test_compute_anchors_vwap_per_session_intraday_and_on_the_window_for_days(
    btc_1h: Ohlcv, shared_market_dir: Path
) -> None:
    hourly = indicators.compute(btc_1h, ["vwap"])["vwap"]
    np.testing.assert_allclose(hourly, _reference_vwap(btc_1h, session=True), rtol=1e-12)
    ref = _load(shared_market_dir / "reference" / "btc_usd_1d_talib.csv")
    daily_series = _series(ref, 86_400).tail(400)
    daily = indicators.compute(daily_series, ["vwap"])["vwap"]
    np.testing.assert_allclose(daily, _reference_vwap(daily_series, session=False), rtol=1e-12)
