"""A real server with a real vault, the offline Bitget exchange rebuilt from the settings, and
the loopback fake LLM and CoinGecko servers for the test endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.market.exchange_service import ExchangeService, build_exchange
from cryptodesk.market.retry import RetryPolicy
from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer, fake_llm_server
from tests.offline_bitget import NOW, OfflineBitget, Script, Sleeps
from tests.runtime.server import LiveServer, running
from tests.shared import shared_market_path


def desk_settings(tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "vault_key_file": tmp_path / "config" / "master.key",
        "vault_keyring": False,
        "master_key": Fernet.generate_key().decode(),
        "market_data": "replay",
        "replay_dir": shared_market_path() / "binance_spot_1h",
        "llm_max_retries": 0,
        "llm_timeout_s": 10.0,
        "engine": "auto",
        "ollama_url": "http://127.0.0.1:9",  # nothing there: `auto` finds no local Ollama
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def exchange_builder(script: Script) -> Any:
    def build(settings: Settings) -> ExchangeService:
        return build_exchange(
            settings,
            exchange_factory=lambda _id, config: OfflineBitget(config, script),
            retry=RetryPolicy(max_attempts=1, max_wait_s=0.0, sleep=Sleeps()),
            clock=lambda: NOW,
        )

    return build


@pytest.fixture
def llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def llm_server(llm: FakeLLM) -> Iterator[FakeLLMServer]:
    with fake_llm_server(llm) as server:
        yield server


@pytest.fixture
def base_settings(tmp_path: Path) -> Settings:
    return desk_settings(tmp_path, max_turns=9)


@pytest.fixture
def desk_server(base_settings: Settings, exchange_builder: Any) -> Iterator[LiveServer]:
    with running(create_app(base_settings, exchange_builder=exchange_builder)) as server:
        yield server
