"""`cryptodesk doctor`'s exchange rows: the id, whether keys are set (never the keys), a ticker."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from cryptodesk.config import Settings
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.terminal import doctor
from tests.offline_bitget import API_KEY, API_SECRET, PASSPHRASE, Script, offline_exchange


async def _doctor(settings: Settings) -> str:
    out = io.StringIO()
    await doctor.run_doctor(settings, Console(file=out, width=200, color_system=None))
    return out.getvalue()


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, market_data="demo", _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("keys", [True, False])
async def test_doctor_shows_the_exchange_and_whether_keys_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: bool
) -> None:
    script = Script()

    def build(_settings: Settings) -> ExchangeService:
        return offline_exchange(script, keys=keys)

    monkeypatch.setattr(doctor, "build_exchange", build)
    text = await _doctor(_settings(tmp_path))
    expected = "bitget: API keys set" if keys else "bitget: no API keys"
    assert expected in text
    assert "reachable: BTC/USDT last" in text
    assert script.paths().count("/api/v2/spot/market/tickers") == 1
    for secret in (API_KEY, API_SECRET, PASSPHRASE):
        assert secret not in text


async def test_doctor_reports_an_unreachable_exchange_without_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = Script(delay_s={"/api/v2/spot/public/symbols": 30.0})

    def build(_settings: Settings) -> ExchangeService:
        return offline_exchange(script)

    monkeypatch.setattr(doctor, "build_exchange", build)
    monkeypatch.setattr(doctor, "EXCHANGE_PROBE_S", 0.2)
    text = await _doctor(_settings(tmp_path))
    assert "unreachable: no answer in 0.2 s" in text
