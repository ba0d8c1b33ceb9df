"""Fixtures shared by the whole test tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import LiveServer, running
from tests.shared import shared_market_path
from tests.store.databases import postgres_cluster

# The loopback fake CoinGecko server (`coingecko` fixture) for market and tool tests.
pytest_plugins = ["tests.market.fake_coingecko"]


@pytest.fixture(scope="session")
def shared_market_dir() -> Path:
    """shared/data/market beside the repository, or under CRYPTODESK_SHARED_DIR."""
    return shared_market_path()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster for the session (skips where PostgreSQL is missing)."""
    with postgres_cluster() as url:
        yield url


@pytest.fixture
def replay_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        market_data="replay",
        replay_dir=shared_market_path() / "binance_spot_1h",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def offline_server(replay_settings: Settings) -> Iterator[LiveServer]:
    """The real app: offline analyst on replayed Binance candles."""
    with running(create_app(replay_settings)) as server:
        yield server


@pytest.fixture
def scripted() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
def scripted_server(replay_settings: Settings, scripted: ScriptedEngine) -> Iterator[LiveServer]:
    """The real app whose runs are driven by a paced, scripted engine."""
    with running(create_app(replay_settings, engine_for=lambda _choice: scripted)) as server:
        yield server
