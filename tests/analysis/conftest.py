from __future__ import annotations

from pathlib import Path

import pytest

from cryptodesk.market.ohlcv import Ohlcv, resample
from cryptodesk.market.replay import load_csv


@pytest.fixture(scope="module")
def btc_1h(shared_market_dir: Path) -> Ohlcv:
    return load_csv(shared_market_dir / "binance_spot_1h" / "BTC_USDT_1h.csv")


@pytest.fixture(scope="module")
def eth_1h(shared_market_dir: Path) -> Ohlcv:
    return load_csv(shared_market_dir / "binance_spot_1h" / "ETH_USDT_1h.csv")


@pytest.fixture(scope="module")
def sol_4h(shared_market_dir: Path) -> Ohlcv:
    series = load_csv(shared_market_dir / "binance_spot_1h" / "SOL_USDT_1h.csv")
    return resample(series, "1h", "4h").tail(300)
