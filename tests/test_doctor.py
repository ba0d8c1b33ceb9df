"""`cryptodesk doctor`: one real, short request per upstream, and "ok" only for an answer."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cryptodesk.config import Settings
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.terminal import doctor
from tests.engines.magentic.fake_llm import FakeLLM, default_responder, fake_llm_server
from tests.engines.magentic.fake_llm import Reply as LlmReply
from tests.market.fake_coingecko import FakeCoinGecko, Reply, closed_port_url
from tests.offline_bitget import API_KEY, API_SECRET, PASSPHRASE, Script, offline_exchange
from tests.unreachable import FAILURES, Failure, coingecko_url, unreachable_exchange


async def _doctor(settings: Settings) -> tuple[bool, dict[str, tuple[str, str]]]:
    """doctor's verdict and its rows: check -> (status, detail)."""
    out = io.StringIO()
    ok = await doctor.run_doctor(settings, Console(file=out, width=400, color_system=None))
    rows: dict[str, tuple[str, str]] = {}
    for line in out.getvalue().splitlines():
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if len(cells) == 3 and cells[1] in ("ok", "fail", "info"):
            rows[cells[0]] = (cells[1], cells[2])
    return ok, rows


def _settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path, **{"market_data": "demo", **values}, _env_file=None)


@pytest.fixture
def exchange_script(monkeypatch: pytest.MonkeyPatch) -> Script:
    script = Script()
    monkeypatch.setattr(doctor, "build_exchange", lambda _s: offline_exchange(script))
    return script


@pytest.mark.parametrize("keys", [True, False])
async def test_doctor_shows_the_exchange_and_whether_keys_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: bool
) -> None:
    script = Script()

    def build(_settings: Settings) -> ExchangeService:
        return offline_exchange(script, keys=keys)

    monkeypatch.setattr(doctor, "build_exchange", build)
    ok, rows = await _doctor(_settings(tmp_path))
    assert ok
    expected = "bitget: API keys set" if keys else "bitget: no API keys"
    assert rows["exchange"][1].startswith(expected)
    status, detail = rows["exchange api"]
    assert status == "ok" and re.fullmatch(r"BTC/USDT last 37583\.7 in \d+ ms", detail)
    assert script.paths().count("/api/v2/spot/market/tickers") == 1
    for secret in (API_KEY, API_SECRET, PASSPHRASE):
        assert not any(secret in d for _, d in rows.values())


async def test_doctor_reports_a_silent_exchange_without_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = Script(delay_s={"/api/v2/spot/public/symbols": 30.0})
    monkeypatch.setattr(doctor, "build_exchange", lambda _s: offline_exchange(script))
    monkeypatch.setattr(doctor, "PROBE_S", 0.2)
    ok, rows = await _doctor(_settings(tmp_path))
    assert ok
    assert rows["exchange api"] == ("info", "no answer in 0.2 s")


async def test_doctor_says_coingecko_is_ok_only_after_it_answered(
    tmp_path: Path, coingecko: FakeCoinGecko, exchange_script: Script
) -> None:
    settings = _settings(tmp_path, market_data="live", coingecko_base_url=coingecko.url)
    ok, rows = await _doctor(settings)
    assert ok
    status, detail = rows["coingecko"]
    assert status == "ok" and re.fullmatch(r"answered in \d+ ms", detail)
    assert [seen.path for seen in coingecko.requests()] == ["/ping"]


async def test_doctor_coingecko_answering_with_an_error_is_not_ok(
    tmp_path: Path, coingecko: FakeCoinGecko, exchange_script: Script
) -> None:
    coingecko.script("/ping", Reply.recorded_error("401_10002_missing_key"))
    settings = _settings(tmp_path, market_data="auto", coingecko_base_url=coingecko.url)
    ok, rows = await _doctor(settings)
    assert not ok
    assert rows["coingecko"][0] == "fail"
    assert "rejected the configured credentials" in rows["coingecko"][1]


@pytest.mark.parametrize("failure", FAILURES)
async def test_doctor_with_the_network_down_says_so_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Failure
) -> None:
    monkeypatch.setattr(doctor, "build_exchange", lambda s: unreachable_exchange(failure, s))
    settings = _settings(
        tmp_path,
        market_data="auto",
        coingecko_base_url=coingecko_url(failure),
        llm_provider="openai-compatible",
        llm_base_url=closed_port_url().removesuffix("/api/v3") + "/v1",
        llm_model="local-model",
    )
    ok, rows = await _doctor(settings)
    assert ok  # auto mode: the desk still answers (demo market, offline analyst)
    assert rows["coingecko"] == (
        "info",
        "CoinGecko is not reachable from this machine; the demo market (simulated) stands in",
    )
    assert rows["exchange api"] == ("info", "Bitget is not reachable from this machine")
    assert rows["llm"][0] == "info" and rows["llm"][1].startswith("unreachable: local-model")
    assert rows["engine"] == ("info", "auto → magentic:openai-compatible/local-model")


async def test_doctor_live_market_data_without_a_network_fails(
    tmp_path: Path, exchange_script: Script
) -> None:
    settings = _settings(tmp_path, market_data="live", coingecko_base_url=closed_port_url())
    ok, rows = await _doctor(settings)
    assert not ok
    assert rows["coingecko"] == ("fail", "CoinGecko is not reachable from this machine")


def _no_tools(fake: FakeLLM, body: dict[str, Any], kind: str) -> LlmReply:
    if body.get("tools"):
        return LlmReply("this model does not support tools", status=400)
    return default_responder(fake, body, kind)


@pytest.mark.parametrize("tools", [True, False])
async def test_doctor_probes_the_models_tool_calling_and_json_output(
    tmp_path: Path, exchange_script: Script, tools: bool
) -> None:
    llm = FakeLLM() if tools else FakeLLM(_no_tools)
    with fake_llm_server(llm) as server:
        settings = _settings(
            tmp_path,
            engine="magentic",
            llm_provider="openai-compatible",
            llm_base_url=server.openai_url,
            llm_model="fake-model",
        )
        ok, rows = await _doctor(settings)
    assert rows["llm"][0] == "ok"
    assert rows["llm json"][0] == "ok"
    probes = llm.of_kind("probe")
    assert any(p.body.get("tools") for p in probes)
    assert any(p.body.get("response_format") == {"type": "json_object"} for p in probes)
    if tools:
        assert ok and rows["llm tools"][0] == "ok"
    else:
        assert not ok
        status, detail = rows["llm tools"]
        assert status == "fail" and detail.startswith("The model 'fake-model' cannot call tools")
