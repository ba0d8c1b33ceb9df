"""`/api/v1/settings`: validation, precedence, write-only secrets, changes for the next run."""

from __future__ import annotations

import json

import httpx

from cryptodesk.config import Settings
from cryptodesk.settings.editable import EDITABLE
from tests.engines.magentic.fake_llm import FakeLLMServer
from tests.runtime.client import connect, recv
from tests.runtime.server import LiveServer

SECRET = "sk-live-test-9f8e7d6c5b4a3210"


def api(server: LiveServer, path: str = "") -> str:
    return f"{server.http}/api/v1/settings{path}"


def test_settings_editable_fields_are_settings_fields() -> None:
    assert set(EDITABLE) <= set(Settings.model_fields)
    assert not {"llm_api_key", "host", "access_token", "master_key", "data_dir"} & set(EDITABLE)


async def test_settings_validation_gives_a_reason_per_field(desk_server: LiveServer) -> None:
    before = httpx.get(api(desk_server)).json()
    response = httpx.put(
        api(desk_server),
        json={
            "max_turns": 0,
            "llm_timeout_s": -1,
            "ollama_url": "ftp://example",
            "exchange": "no such exchange!",
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_settings"
    assert set(body["reasons"]) == {"max_turns", "llm_timeout_s", "ollama_url", "exchange"}
    assert "greater than or equal to 1" in body["reasons"]["max_turns"]
    assert "http" in body["reasons"]["ollama_url"]
    cross = httpx.put(api(desk_server), json={"llm_provider": "openai-compatible"}).json()
    assert set(cross["reasons"]) == {"llm_base_url", "llm_model"}
    typed = httpx.put(api(desk_server), json={"engine": "quantum", "market_data": "psychic"})
    assert typed.status_code == 422
    assert {e["loc"][-1] for e in typed.json()["detail"]} == {"engine", "market_data"}
    secret = httpx.put(api(desk_server), json={"llm_api_key": SECRET})
    assert secret.status_code == 422 and SECRET not in secret.text
    assert httpx.get(api(desk_server)).json() == before  # nothing was stored


async def test_settings_precedence_store_then_environment_then_default(
    desk_server: LiveServer,
) -> None:
    body = httpx.get(api(desk_server)).json()
    assert body["values"]["max_turns"] == 9 and body["sources"]["max_turns"] == "env"
    assert (
        body["values"]["tool_timeout_s"] == 30.0 and body["sources"]["tool_timeout_s"] == "default"
    )
    changed = httpx.put(api(desk_server), json={"max_turns": 4, "tool_timeout_s": 12.5}).json()
    assert changed["values"]["max_turns"] == 4 and changed["sources"]["max_turns"] == "store"
    assert changed["values"]["tool_timeout_s"] == 12.5
    assert changed["values"]["market_data"] == "replay"  # absent fields stay
    reset = httpx.put(api(desk_server), json={"max_turns": None}).json()
    assert reset["values"]["max_turns"] == 9 and reset["sources"]["max_turns"] == "env"
    assert reset["sources"]["tool_timeout_s"] == "store"


async def test_settings_survive_a_restart(
    tmp_path: object, base_settings: Settings, exchange_builder: object
) -> None:
    from cryptodesk.app import create_app
    from tests.runtime.server import running

    with running(create_app(base_settings, exchange_builder=exchange_builder)) as server:
        httpx.put(api(server), json={"max_turns": 5}).raise_for_status()
        httpx.put(api(server, "/secrets/exchange_api_key"), json={"value": SECRET})
    with running(create_app(base_settings, exchange_builder=exchange_builder)) as server:
        body = httpx.get(api(server)).json()
    assert body["values"]["max_turns"] == 5
    key = next(s for s in body["secrets"] if s["name"] == "exchange_api_key")
    assert key["is_set"] and key["last4"] == SECRET[-4:]


async def test_settings_secrets_are_write_only(desk_server: LiveServer) -> None:
    put = httpx.put(api(desk_server, "/secrets/exchange_api_key"), json={"value": SECRET})
    assert put.status_code == 200
    status = put.json()
    assert status["is_set"] and status["last4"] == "3210" and status["source"] == "vault"
    assert status["updated_at"] is not None
    assert SECRET not in put.text
    short = httpx.put(api(desk_server, "/secrets/exchange_api_passphrase"), json={"value": "pass1"})
    assert short.json()["is_set"] and short.json()["last4"] is None  # too short to hint at
    listing = httpx.get(api(desk_server, "/secrets")).json()
    assert {s["name"] for s in listing if s["is_set"]} == {
        "exchange_api_key",
        "exchange_api_passphrase",
    }
    page = httpx.get(api(desk_server))
    assert SECRET not in page.text and '"pass1"' not in page.text
    unknown = httpx.put(api(desk_server, "/secrets/root_password"), json={"value": SECRET})
    assert unknown.status_code == 422 and SECRET not in unknown.text
    huge = httpx.put(api(desk_server, "/secrets/exchange_api_key"), json={"value": SECRET * 200})
    assert huge.status_code == 422 and SECRET not in huge.text
    assert httpx.delete(api(desk_server, "/secrets/exchange_api_key")).status_code == 204
    assert httpx.delete(api(desk_server, "/secrets/exchange_api_key")).status_code == 404
    after = httpx.get(api(desk_server, "/secrets")).json()
    assert not next(s for s in after if s["name"] == "exchange_api_key")["is_set"]


async def test_settings_apply_to_the_next_run_without_a_restart(
    desk_server: LiveServer, llm_server: FakeLLMServer
) -> None:
    async with connect(desk_server.ws) as ws:
        assert (await recv(ws))["engine"] == "offline"
    body = httpx.put(
        api(desk_server),
        json={
            "llm_provider": "openai-compatible",
            "llm_base_url": llm_server.openai_url,
            "llm_model": "fake-model",
        },
    ).json()
    assert body["engine"] == "magentic:openai-compatible/fake-model"
    async with connect(desk_server.ws) as ws:
        assert (await recv(ws))["engine"] == "magentic:openai-compatible/fake-model"
    ready = httpx.get(f"{desk_server.http}/api/v1/health/ready").json()
    assert ready["llm_status"] == "connected"
    # A key set afterwards reaches the LLM on the next request.
    httpx.put(api(desk_server, "/secrets/openai_api_key"), json={"value": SECRET})
    verdict = httpx.post(api(desk_server, "/test/llm"), timeout=60).json()
    assert verdict["ok"], verdict
    models = [r for r in llm_server.llm.requests if r.kind == "models"]
    assert models[-1].headers["authorization"] == f"Bearer {SECRET}"
    back = httpx.put(api(desk_server), json={"engine": "offline"}).json()
    assert back["engine"] == "offline"
    assert json.dumps(back).count(SECRET) == 0


async def test_settings_change_mid_run_leaves_the_running_run_its_engine(
    desk_server: LiveServer, llm_server: FakeLLMServer
) -> None:
    from tests.engines.magentic.fake_llm import FakeLLM, Reply, default_responder
    from tests.runtime.client import run_to_end

    def slow_worker(fake: FakeLLM, body: dict[str, object], kind: str) -> Reply:
        reply = default_responder(fake, body, kind)
        reply.delay_s = 1.0 if kind == "worker" else 0.0
        return reply

    llm_server.llm.responder = slow_worker
    httpx.put(
        api(desk_server),
        json={
            "llm_provider": "openai-compatible",
            "llm_base_url": llm_server.openai_url,
            "llm_model": "fake-model",
        },
    ).raise_for_status()
    async with connect(desk_server.ws) as ws:
        await recv(ws)
        await ws.send(json.dumps({"type": "chat", "payload": {"message": "Analyze BTC"}}))
        first = await recv(ws)
        changed = httpx.put(api(desk_server), json={"engine": "offline"}).json()
        assert changed["engine"] == "offline"
        frames = [first, *await run_to_end(ws)]
        assert frames[-2]["type"] == "result"
        assert frames[-2]["engine"] == "magentic:openai-compatible/fake-model"
        assert frames[-1]["status"] == "completed"
        await ws.send(
            json.dumps(
                {
                    "type": "chat",
                    "payload": {
                        "message": "price of BTC",
                        "conversation_id": first["conversation_id"],
                    },
                }
            )
        )
        second = await run_to_end(ws)
    assert second[-2]["engine"] == "offline"


async def test_settings_one_damaged_vault_entry_damages_only_itself(
    desk_server: LiveServer, base_settings: Settings, llm_server: FakeLLMServer
) -> None:
    for name, value in {
        "openai_api_key": SECRET,
        "exchange_api_key": "bg-key-0123456789abcdef",
    }.items():
        httpx.put(api(desk_server, f"/secrets/{name}"), json={"value": value}).raise_for_status()
    # Damage one entry's ciphertext in the real file, as a disk error or an editor would.
    vault_file = base_settings.data_dir / "secrets.json"
    doc = json.loads(vault_file.read_text())
    token = doc["secrets"]["exchange_api_key"]["token"]
    doc["secrets"]["exchange_api_key"]["token"] = token[:20] + "X" + token[21:]
    vault_file.write_text(json.dumps(doc))

    httpx.put(
        api(desk_server),
        json={
            "llm_provider": "openai-compatible",
            "llm_base_url": llm_server.openai_url,
            "llm_model": "fake-model",
        },
    ).raise_for_status()
    body = httpx.get(api(desk_server)).json()
    statuses = {s["name"]: s for s in body["secrets"]}
    assert statuses["openai_api_key"]["is_set"] and statuses["openai_api_key"]["error"] is None
    assert not statuses["exchange_api_key"]["is_set"]
    assert "cannot be decrypted" in statuses["exchange_api_key"]["error"]
    assert "exchange_api_key" in body["vault"]["error"]
    # The intact LLM key is in force: the connection check sends it.
    llm_server.llm.requests.clear()
    verdict = httpx.post(api(desk_server, "/test/llm"), timeout=60).json()
    assert verdict["ok"], verdict
    assert llm_server.llm.requests[-1].headers["authorization"] == f"Bearer {SECRET}"
    # Writing another secret answers the truth, and so does setting the damaged one again.
    put = httpx.put(api(desk_server, "/secrets/coingecko_api_key"), json={"value": "CG-0123456789"})
    assert put.status_code == 200 and put.json()["is_set"] is True
    fixed = httpx.put(
        api(desk_server, "/secrets/exchange_api_key"), json={"value": "bg-key-fedcba9876543210"}
    )
    assert fixed.json()["is_set"] is True and fixed.json()["error"] is None
    assert httpx.get(api(desk_server)).json()["vault"]["error"] is None


async def test_settings_urls_are_parsed_and_numbers_are_finite_and_bounded(
    desk_server: LiveServer,
) -> None:
    before = httpx.get(api(desk_server)).json()
    for body, field, why in [
        ('{"ollama_url": "http://[::1"}', "ollama_url", "not a valid URL"),
        ('{"coingecko_base_url": "http://h:99999"}', "coingecko_base_url", "not a valid URL"),
        ('{"llm_base_url": "http://h/\\r\\nX: 1"}', "llm_base_url", "control characters"),
        ('{"http_timeout_s": "Infinity"}', "http_timeout_s", "finite number"),
        ('{"http_timeout_s": NaN}', "http_timeout_s", "finite number"),
        ('{"http_timeout_s": 1e308}', "http_timeout_s", "less than or equal to 3600"),
        ('{"run_timeout_s": 1e999}', "run_timeout_s", "finite number"),
        ('{"run_budget_usd": 1e300}', "run_budget_usd", "less than or equal to 100000"),
    ]:
        response = httpx.put(
            api(desk_server), content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, (body, response.text)
        assert why in response.json()["reasons"][field], response.json()
    assert httpx.get(api(desk_server)).json() == before  # nothing was stored
    stored = httpx.put(
        api(desk_server), json={"http_timeout_s": 12.5, "ollama_url": "http://[::1]:11434"}
    )
    assert stored.status_code == 200, stored.text
    values = httpx.get(api(desk_server)).json()["values"]
    assert values["http_timeout_s"] == 12.5 and values["ollama_url"] == "http://[::1]:11434"
