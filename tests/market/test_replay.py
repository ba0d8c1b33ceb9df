from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from cryptodesk.errors import DataUnavailableError, UnsupportedTimeframeError
from cryptodesk.market.ohlcv import resample
from cryptodesk.market.replay import ReplayProvider, load_csv


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def test_replay_price_is_the_last_close_as_of_its_close_time(
    replay: ReplayProvider, shared_market_dir: Path
) -> None:
    last = _rows(shared_market_dir / "binance_spot_1h" / "BTC_USDT_1h.csv")[-1]
    quote = await replay.get_price("bitcoin")
    assert quote.price_usd == float(last["close"])
    opened = datetime.fromtimestamp(int(last["timestamp"]) / 1000, tz=UTC)
    assert quote.as_of == opened + timedelta(hours=1)
    assert quote.source == "replay:BTC_USDT_1h.csv"
    assert quote.simulated is False


async def test_replay_price_24h_stats_cover_the_last_24_candles(
    replay: ReplayProvider, shared_market_dir: Path
) -> None:
    day = _rows(shared_market_dir / "binance_spot_1h" / "ETH_USDT_1h.csv")[-24:]
    quote = await replay.get_price("ETHEREUM".lower())
    assert quote.change_24h_pct == pytest.approx(
        (float(day[-1]["close"]) / float(day[0]["open"]) - 1) * 100, rel=1e-12
    )
    assert quote.high_24h == max(float(row["high"]) for row in day)
    assert quote.low_24h == min(float(row["low"]) for row in day)


async def test_replay_ohlc_returns_the_last_candles_of_the_file(
    replay: ReplayProvider, shared_market_dir: Path
) -> None:
    rows = _rows(shared_market_dir / "binance_spot_1h" / "SOL_USDT_1h.csv")[-5:]
    candles = await replay.get_ohlc("solana", "1h", 5)
    assert [c.close for c in candles.candles] == [float(row["close"]) for row in rows]
    assert candles.candles[-1].time == datetime.fromtimestamp(
        int(rows[-1]["timestamp"]) / 1000, tz=UTC
    )
    assert candles.as_of == candles.candles[-1].time + timedelta(hours=1)


def test_resample_of_btc_1h_reproduces_the_btc_4h_file(shared_market_dir: Path) -> None:
    hourly = load_csv(shared_market_dir / "binance_spot_1h" / "BTC_USDT_1h.csv")
    reference = load_csv(shared_market_dir / "binance_spot_1h" / "BTC_USDT_4h.csv")
    ours = resample(hourly, "1h", "4h")
    common, mine, theirs = np.intersect1d(ours.time, reference.time, return_indices=True)
    assert common.size >= 500
    for column in ("open", "high", "low", "close"):
        assert np.array_equal(getattr(ours, column)[mine], getattr(reference, column)[theirs])
    np.testing.assert_allclose(ours.volume[mine], reference.volume[theirs], rtol=1e-12)


async def test_replay_resamples_a_timeframe_without_its_own_file(
    tmp_path: Path, shared_market_dir: Path
) -> None:
    shutil.copy(shared_market_dir / "binance_spot_1h" / "BTC_USDT_1h.csv", tmp_path)
    candles = await ReplayProvider(tmp_path).get_ohlc("bitcoin", "4h", 50)
    reference = load_csv(shared_market_dir / "binance_spot_1h" / "BTC_USDT_4h.csv")
    assert candles.source == "replay:BTC_USDT_1h.csv resampled to 4h"
    index = {int(t): i for i, t in enumerate(reference.time.tolist())}
    for candle in candles.candles[:-1]:
        i = index[int(candle.time.timestamp())]
        assert (candle.open, candle.close) == (reference.open[i], reference.close[i])


async def test_replay_rejects_a_timeframe_finer_than_its_files(replay: ReplayProvider) -> None:
    with pytest.raises(UnsupportedTimeframeError, match="15m"):
        await replay.get_ohlc("ethereum", "15m", 10)


async def test_replay_coin_without_file_names_the_folder(replay: ReplayProvider) -> None:
    with pytest.raises(DataUnavailableError, match="binance_spot_1h"):
        await replay.get_price("tron")


async def test_replay_missing_folder_is_data_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DataUnavailableError, match="does not exist"):
        await ReplayProvider(tmp_path / "nope").get_price("bitcoin")


async def test_replay_malformed_file_is_data_unavailable(tmp_path: Path) -> None:
    (tmp_path / "BTC_USDT_1h.csv").write_text("time,price\n1,2\n", encoding="utf-8")
    with pytest.raises(DataUnavailableError, match="expected columns"):
        await ReplayProvider(tmp_path).get_price("bitcoin")


def test_replay_lists_coins_of_its_files(replay: ReplayProvider) -> None:
    assert set(replay.available_coins()) == {
        "bitcoin",
        "ethereum",
        "solana",
        "binancecoin",
        "ripple",
        "cardano",
        "dogecoin",
        "avalanche-2",
        "polkadot",
        "chainlink",
        "litecoin",
    }
