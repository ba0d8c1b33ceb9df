from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from cryptodesk.config import MarketDataMode, Settings
from cryptodesk.errors import CoinNotFoundError, ConfigError
from cryptodesk.market.service import build_coingecko_client, build_market_service


def _settings(mode: MarketDataMode, replay_dir: Path | None = None) -> Settings:
    return Settings(market_data=mode, replay_dir=replay_dir, _env_file=None)  # type: ignore[call-arg]


def test_build_market_service_replay_without_folder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="CRYPTODESK_REPLAY_DIR"):
        build_market_service(_settings("replay"))


def test_live_market_data_is_coingecko_and_building_it_makes_no_request() -> None:
    status = build_market_service(_settings("live")).status()
    assert (status.mode, status.provider, status.ready, status.simulated) == (
        "live",
        "coingecko",
        True,
        False,
    )
    assert "api.coingecko.com" in status.detail and "no request made yet" in status.detail


def test_auto_is_live_and_names_the_demo_fallback_for_an_unreachable_network() -> None:
    status = build_market_service(_settings("auto")).status()
    assert (status.provider, status.simulated, status.ready) == ("coingecko", False, True)
    assert "demo market (simulated) only if the network is unreachable" in status.detail


@pytest.mark.parametrize(
    ("plan", "key", "expected_plan", "host", "rate"),
    [
        ("keyless", None, "keyless", "https://api.coingecko.com/api/v3", 25),
        ("keyless", "k", "demo", "https://api.coingecko.com/api/v3", 30),
        ("demo", "k", "demo", "https://api.coingecko.com/api/v3", 30),
        ("pro", "k", "pro", "https://pro-api.coingecko.com/api/v3", 500),
    ],
)
def test_coingecko_client_follows_the_plan_and_key(
    plan: str, key: str | None, expected_plan: str, host: str, rate: int
) -> None:
    settings = Settings(
        coingecko_plan=plan,
        coingecko_api_key=SecretStr(key) if key else None,
        _env_file=None,  # type: ignore[call-arg]
    )
    client = build_coingecko_client(settings)
    assert (client.plan, client.base_url, client.limiter.per_minute) == (expected_plan, host, rate)


def test_coingecko_rate_and_base_url_can_be_overridden() -> None:
    settings = Settings(
        coingecko_rate_per_minute=7,
        coingecko_base_url="http://127.0.0.1:9/api/v3/",
        _env_file=None,  # type: ignore[call-arg]
    )
    client = build_coingecko_client(settings)
    assert (client.limiter.per_minute, client.base_url) == (7, "http://127.0.0.1:9/api/v3")


def test_coingecko_keyed_plan_without_a_key_is_a_config_error() -> None:
    settings = Settings(coingecko_plan="pro", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="CRYPTODESK_COINGECKO_API_KEY"):
        build_market_service(settings)


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
