"""Nothing leaks: known secret values set through the API, a full analysis by the LLM team (the
loopback fake LLM) and an account analysis on the offline Bitget exchange, an export, failing
checks and rejected requests; then every log line, stored frame, live frame, export, API
response, the OpenAPI document, the database file and every prompt sent to the LLM are searched
for the values. (The browser's storage is searched by tests/e2e/test_settings_dialog.py.)"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt
import httpx
import pytest
from pydantic import SecretStr

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.engines.magentic.fake_llm import FakeLLMServer
from tests.market.fake_coingecko import FakeCoinGecko, market_settings
from tests.offline_bitget import Script
from tests.runtime.client import chat, connect, recv, run_to_end
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running
from tests.settings.conftest import desk_settings

ACCESS = "access-CANARY-0a9b8c7d6e5f"
SECRETS = {
    "openai_api_key": "sk-CANARY-openai-4f3e2d1c0b",
    "azure_openai_api_key": "CANARY-azure-9e8d7c6b5a",
    "coingecko_api_key": "CG-CANARY-coingecko-1a2b3c",
    "exchange_api_key": "bg_CANARY_key_5d6e7f8091",
    "exchange_api_secret": "CANARY-secret-a1b2c3d4e5f6",
    "exchange_api_passphrase": "CANARY-pass-778899",
}
MASTER = "CANARY"  # every value above contains it; the master key is checked separately


def needles(settings: Settings) -> list[str]:
    values = [*SECRETS.values(), ACCESS]
    assert settings.master_key is not None
    values.append(settings.master_key.get_secret_value())
    # Distinctive parts too: a value cut, quoted or half-masked must not slip through.
    values += [v[:12] for v in SECRETS.values()] + [v[-10:] for v in SECRETS.values()]
    return values


@pytest.fixture
def leak_settings(tmp_path: Path) -> Settings:
    settings = desk_settings(tmp_path, llm_check_ttl_s=0.001)
    return settings.model_copy(update={"access_token": SecretStr(ACCESS)})


@pytest.fixture
def call(leak_server: LiveServer) -> Iterator[Recorder]:
    recorder = Recorder(leak_server)
    yield recorder
    recorder.client.close()


@pytest.fixture
def leak_server(leak_settings: Settings, exchange_builder: Any) -> Iterator[LiveServer]:
    with running(create_app(leak_settings, exchange_builder=exchange_builder)) as server:
        yield server


class Recorder:
    """Every response body the test sees, to be searched at the end."""

    def __init__(self, server: LiveServer) -> None:
        self.client = httpx.Client(
            base_url=server.http, headers={"Authorization": f"Bearer {ACCESS}"}, timeout=30
        )
        self.seen: list[str] = []

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        self.seen.append(
            f"{method} {path} -> {response.status_code}\n{response.headers}\n{response.text}"
        )
        return response


async def test_no_secret_leaks_anywhere(
    leak_server: LiveServer,
    leak_settings: Settings,
    llm_server: FakeLLMServer,
    script: Script,
    call: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name, value in SECRETS.items():
        assert call("PUT", f"/api/v1/settings/secrets/{name}", json={"value": value}).is_success
    changed = call(
        "PUT",
        "/api/v1/settings",
        json={
            "llm_provider": "openai-compatible",
            "llm_base_url": llm_server.openai_url,
            "llm_model": "fake-model",
        },
    )
    assert changed.json()["engine"] == "magentic:openai-compatible/fake-model"

    # A full analysis by the LLM team, then an account analysis with the exchange keys.
    auth = {"Authorization": f"Bearer {ACCESS}"}
    frames: list[dict[str, Any]] = []
    async with connect(leak_server.ws, additional_headers=auth) as ws:
        frames.append(await recv(ws))
        await ws.send(json.dumps({"type": "chat", "payload": {"message": "Analyze BTC"}}))
        team = await run_to_end(ws)
        check_run(team, expect="completed")
        conversation = team[0]["conversation_id"]
        await ws.send(
            json.dumps(
                {
                    "type": "chat",
                    "payload": {
                        "message": "Show my balances and open orders on Bitget",
                        "conversation_id": conversation,
                        "options": {"engine": "offline"},
                    },
                }
            )
        )
        account = await run_to_end(ws)
        check_run(account, expect="completed")
        frames += team + account
    assert team[-2]["engine"].startswith("magentic:")
    assert any(f["type"] == "tool_call" and f["tool_name"] == "get_balances" for f in account)
    signed = [r for r in script.requests if r.path == "/api/v2/spot/account/assets"]
    assert signed and signed[-1].headers["ACCESS-KEY"] == SECRETS["exchange_api_key"]
    # The stored LLM key really went out, as the bearer of the team's chat completions.
    completions = [r for r in llm_server.llm.requests if r.kind != "models"]
    assert completions
    assert {r.headers.get("authorization") for r in completions} == {
        f"Bearer {SECRETS['openai_api_key']}"
    }

    # Stored frames, the export, every listing and document.
    for run_id in {team[0]["run_id"], account[0]["run_id"]}:
        call("GET", f"/api/v1/runs/{run_id}/events")
        call("GET", f"/api/v1/runs/{run_id}")
    export = call("GET", f"/api/v1/conversations/{conversation}/export")
    assert "BTC" in export.text
    for path in (
        f"/api/v1/conversations/{conversation}",
        "/api/v1/conversations",
        "/api/v1/settings",
        "/api/v1/settings/secrets",
        "/api/v1/health",
        "/api/v1/health/ready",
        "/ws/status",
        "/openapi.json",
        "/docs",
    ):
        assert call("GET", path).status_code in (200, 503), path

    # Errors: failing checks, a rejected key, invalid requests that carry a secret.
    assert call("POST", "/api/v1/settings/test/llm").json()["ok"]
    llm_server.llm.fail_status = 401
    assert not call("POST", "/api/v1/settings/test/llm").json()["ok"]
    script.to(
        "/api/v2/spot/account/assets",
        ccxt.AuthenticationError('bitget {"code":"40037","msg":"Apikey does not exist"}'),
    )
    assert not call("POST", "/api/v1/settings/test/exchange").json()["ok"]
    call("POST", "/api/v1/settings/test/market")
    assert (
        call("PUT", "/api/v1/settings", json={"llm_api_key": SECRETS["openai_api_key"]}).status_code
        == 422
    )
    assert (
        call(
            "PUT",
            "/api/v1/settings/secrets/exchange_api_key",
            json={"value": SECRETS["exchange_api_secret"] * 300},
        ).status_code
        == 422
    )
    assert (
        call(
            "PUT", "/api/v1/settings/secrets/nope", json={"value": SECRETS["exchange_api_secret"]}
        ).status_code
        == 422
    )
    assert (
        call(
            "PUT",
            "/api/v1/settings/secrets/exchange_api_key",
            content=b'{"value": "' + SECRETS["exchange_api_secret"].encode() + b'"',
        ).status_code
        == 422
    )
    login = httpx.post(f"{leak_server.http}/login", data={"token": ACCESS[:-1]})
    call.seen.append(login.text + str(login.headers))

    # The search. The test's own WebSocket client logs the Authorization header it sends
    # (`websockets.client`, at DEBUG): that is the test's client, not CryptoDesk.
    records = [r for r in caplog.records if r.name != "websockets.client"]
    haystacks = {
        "API responses": "\n".join(call.seen),
        "live frames": json.dumps(frames),
        "log lines": "\n".join(
            f"{r.name} {r.getMessage()} {r.args!r} {r.exc_info!r} {r.exc_text}" for r in records
        ),
        "prompts sent to the LLM": json.dumps([r.body for r in llm_server.llm.requests]),
        "database file": (leak_settings.data_dir / "cryptodesk.db").read_bytes().decode("latin-1"),
        "vault file": (leak_settings.data_dir / "secrets.json").read_text(),
    }
    for where, text in haystacks.items():
        for needle in needles(leak_settings):
            assert needle not in text, f"{needle[:6]}… leaked into {where}"
    assert len(records) > 50  # the logs were really captured (DEBUG included)
    assert any(r.levelno == logging.DEBUG and r.name.startswith("cryptodesk") for r in records)


# ------------------------------------------------------------------ values no header can carry

NASTY = {
    "crlf": "CG-CANARY-crlf\r\nX-Injected: tail-7f3a9c",
    "nul": "CG-CANARY-nul\x00tail-5e1d2b",
    "zero-width space": "CG-CANARY-zws\u200btail-3c8e4f",
    "euro": "CG-CANARY-euro\u20actail-9a7b6c",
}


def spellings(value: str) -> list[str]:
    """How a value shows up in text: as is, JSON-escaped, quoted by Python (str and bytes),
    and its distinctive ASCII parts on either side of the bad character."""
    quoted = [json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]]
    quoted += [repr(value)[1:-1], repr(value.encode())[2:-1]]
    parts = [part for part in re.split(r"[^!-~]+", value) if len(part) >= 6]
    return [value, *quoted, *parts]


@pytest.mark.parametrize("kind", NASTY)
def test_leaks_secret_with_control_or_non_ascii_characters_is_refused_at_storage(
    desk_server: LiveServer, kind: str
) -> None:
    value = NASTY[kind]
    url = f"{desk_server.http}/api/v1/settings/secrets"
    refused = httpx.put(f"{url}/coingecko_api_key", json={"value": value})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "invalid_secret"
    assert "coingecko_api_key" in body["detail"] and body["reasons"]["value"]
    assert not any(form in refused.text for form in spellings(value))
    status = next(s for s in httpx.get(url).json() if s["name"] == "coingecko_api_key")
    assert not status["is_set"]


def test_leaks_exchange_secret_may_hold_non_ascii_but_no_control_characters(
    desk_server: LiveServer,
) -> None:
    """The exchange's secret only signs requests: printable non-ASCII is fine, NUL is not."""
    url = f"{desk_server.http}/api/v1/settings/secrets/exchange_api_secret"
    assert httpx.put(url, json={"value": NASTY["euro"]}).status_code == 200
    assert httpx.put(url, json={"value": NASTY["nul"]}).status_code == 422
    assert httpx.put(url, json={"value": "two words-0123456789"}).status_code == 422


@pytest.fixture
def env_key_server(
    request: pytest.FixtureRequest, coingecko: FakeCoinGecko, tmp_path: Path
) -> Iterator[LiveServer]:
    """Live CoinGecko (the loopback fake) with a demo key that came from the environment: the
    vault's checks never saw it. (A NUL cannot be in a real environment variable; the settings
    object is what the environment would have produced.)"""
    settings = market_settings(
        coingecko.url,
        "live",
        coingecko_plan="demo",
        coingecko_api_key=NASTY[request.param],
        data_dir=tmp_path / "data",
        engine="offline",
    )
    with running(create_app(settings)) as server:
        yield server


@pytest.mark.parametrize("env_key_server", NASTY, indirect=True)
async def test_leaks_unsendable_key_from_the_environment_reaches_no_output(
    env_key_server: LiveServer,
    coingecko: FakeCoinGecko,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    caplog.set_level(logging.DEBUG)
    value = NASTY[request.node.callspec.params["env_key_server"]]
    server = env_key_server
    async with connect(server.ws) as ws:
        await recv(ws)
        await ws.send(chat("What is the price of Bitcoin?"))
        frames = await run_to_end(ws)
    check_run(frames)
    failed = [f for f in frames if f["type"] == "tool_result" and not f["success"]]
    assert failed, "the market tools ran with the unsendable key"
    assert all("API key cannot be sent" in f["error"] for f in failed)
    assert coingecko.count() == 0  # refused before any request

    seen: list[str] = []
    with httpx.Client(base_url=server.http, timeout=60) as client:
        run_id, conversation = frames[0]["run_id"], frames[0]["conversation_id"]
        for path in (
            f"/api/v1/runs/{run_id}/events",
            f"/api/v1/runs/{run_id}",
            f"/api/v1/conversations/{conversation}",
            f"/api/v1/conversations/{conversation}/export",
            "/api/v1/settings",
            "/api/v1/health/ready",
        ):
            response = client.get(path)
            assert response.status_code in (200, 503), path
            seen.append(response.text)
        verdict = client.post("/api/v1/settings/test/market")
        seen.append(verdict.text)
    assert verdict.status_code == 200, verdict.text
    assert not verdict.json()["ok"]
    assert "API key cannot be sent" in verdict.json()["summary"]

    records = [r for r in caplog.records if r.name != "websockets.client"]
    assert any(r.levelno == logging.DEBUG for r in records)
    haystacks = {
        "live frames": json.dumps(frames, ensure_ascii=False) + json.dumps(frames),
        "REST answers and the export": "\n".join(seen),
        "log lines": "\n".join(
            f"{r.name} {r.getMessage()} {r.args!r} {r.exc_info!r} {r.exc_text}" for r in records
        ),
    }
    for where, text in haystacks.items():
        for form in spellings(value):
            assert form not in text, f"{form[:8]!r}… leaked into {where}"


async def test_leaks_configured_secret_pasted_into_a_question_is_scrubbed_from_answers(
    desk_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The last line of defence, on a path no client boundary guards: a user pastes a stored
    key into a question; the title, the history, the export and the logs show `***`."""
    caplog.set_level(logging.DEBUG)
    key = SECRETS["coingecko_api_key"]
    url = f"{desk_server.http}/api/v1"
    httpx.put(f"{url}/settings/secrets/coingecko_api_key", json={"value": key}).raise_for_status()
    async with connect(desk_server.ws) as ws:
        await recv(ws)
        await ws.send(chat(f"Is my key {key} working? What is the price of Bitcoin?"))
        frames = await run_to_end(ws)
    conversation = frames[0]["conversation_id"]
    listing = httpx.get(f"{url}/conversations").json()["items"][0]
    assert listing["title"].startswith("Is my key *** working?")
    detail = httpx.get(f"{url}/conversations/{conversation}")
    export = httpx.get(f"{url}/conversations/{conversation}/export")
    assert "Is my key *** working?" in export.text
    log_text = "\n".join(r.getMessage() for r in caplog.records if r.name != "websockets.client")
    for text in (json.dumps(frames), detail.text, export.text, log_text):
        assert key not in text
