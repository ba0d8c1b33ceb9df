"""The real server for the watcher's tests: live market data from the loopback fake CoinGecko
(whose prices each test moves), a local vault, short poll and retry intervals, and a loopback
webhook receiver for Apprise's json:// targets."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.market.fake_coingecko import FakeCoinGecko
from tests.runtime.server import LiveServer, running
from tests.watch.receiver import Receiver, receiving


def watch_settings(root: Path, coingecko_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": root / "data",
        "vault_key_file": root / "config" / "master.key",
        "vault_keyring": False,
        "master_key": Fernet.generate_key().decode(),
        "market_data": "live",
        "engine": "offline",
        "coingecko_base_url": coingecko_url,
        "coingecko_rate_per_minute": 6000,
        "retry_max_attempts": 2,
        "retry_max_wait_s": 0.02,
        "http_timeout_s": 2.0,
        "watch_poll_min_s": 0.2,
        "notify_timeout_s": 1.0,
        "notify_retry_base_s": 0.05,
        **extra,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


@pytest.fixture
def settings(tmp_path: Path, coingecko: FakeCoinGecko) -> Settings:
    coingecko.set_price("bitcoin", 64_000.0, 1.5)
    coingecko.set_price("ethereum", 3_200.0, -0.5)
    return watch_settings(tmp_path, coingecko.url)


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with running(create_app(settings)) as live:
        yield live


def until(condition: Callable[[], Any], timeout_s: float = 20.0, every_s: float = 0.05) -> Any:
    """Polls `condition` until it returns something truthy (and returns that)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(every_s)


def notifications(server: LiveServer) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.http}/api/v1/notifications", timeout=10)
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items
