from __future__ import annotations

from pathlib import Path

import pytest

from cryptodesk.config import MarketDataMode, Settings
from cryptodesk.errors import CoinNotFoundError, ConfigError, DataUnavailableError
from cryptodesk.market.service import build_market_service


def _settings(mode: MarketDataMode, replay_dir: Path | None = None) -> Settings:
    return Settings(market_data=mode, replay_dir=replay_dir, _env_file=None)  # type: ignore[call-arg]


def test_build_market_service_replay_without_folder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="CRYPTODESK_REPLAY_DIR"):
        build_market_service(_settings("replay"))


async def test_live_market_data_fails_visibly_instead_of_faking() -> None:
    service = build_market_service(_settings("live"))
    with pytest.raises(DataUnavailableError, match="live market data is not available"):
        await service.get_price("BTC")
    with pytest.raises(DataUnavailableError, match="live market data is not available"):
        await service.get_ohlc("BTC", "1h", 10)
    status = service.status()
    assert (status.mode, status.ready, status.simulated) == ("live", False, False)


def test_auto_without_replay_folder_says_it_uses_the_demo_market() -> None:
    status = build_market_service(_settings("auto")).status()
    assert status.provider == "demo" and status.simulated and status.ready
    assert "demo" in status.detail and "simulated" in status.detail


def test_auto_with_replay_folder_replays(shared_market_dir: Path) -> None:
    status = build_market_service(_settings("auto", shared_market_dir / "binance_spot_1h")).status()
    assert status.provider == "replay" and not status.simulated and status.ready
    assert "replay" in status.detail


def test_replay_status_is_not_ready_for_a_missing_folder(tmp_path: Path) -> None:
    status = build_market_service(_settings("replay", tmp_path / "missing")).status()
    assert not status.ready
    assert "does not exist" in status.detail


async def test_market_service_resolves_symbols_and_names() -> None:
    service = build_market_service(_settings("demo"))
    assert (await service.get_price("Solana")).coin_id == "solana"
    assert (await service.get_ohlc("sol", "1h", 2)).coin_id == "solana"
    with pytest.raises(CoinNotFoundError):
        await service.get_price("FOOCOIN")
