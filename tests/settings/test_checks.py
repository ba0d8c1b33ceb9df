"""`POST /api/v1/settings/test/{llm|exchange|market}` against loopback fakes that work or fail."""

from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt
import httpx

from tests.engines.magentic.fake_llm import FakeLLM, FakeLLMServer, Reply, default_responder
from tests.market.fake_coingecko import FakeCoinGecko, closed_port_url
from tests.offline_bitget import API_KEY, API_SECRET, PASSPHRASE, Script
from tests.runtime.server import LiveServer

KEYS = {
    "exchange_api_key": API_KEY,
    "exchange_api_secret": API_SECRET,
    "exchange_api_passphrase": PASSPHRASE,
}


def api(server: LiveServer, path: str = "") -> str:
    return f"{server.http}/api/v1/settings{path}"


def check(server: LiveServer, path: str) -> httpx.Response:
    """A connection check retries an unreachable upstream with backoff: on a busy machine that
    takes longer than httpx's default 5 s, so wait for the verdict."""
    return httpx.post(api(server, path), timeout=60)


def use_llm(server: LiveServer, llm_server: FakeLLMServer) -> None:
    httpx.put(
        api(server),
        json={
            "llm_provider": "openai-compatible",
            "llm_base_url": llm_server.openai_url,
            "llm_model": "fake-model",
        },
    ).raise_for_status()


async def test_check_llm_working(desk_server: LiveServer, llm_server: FakeLLMServer) -> None:
    use_llm(desk_server, llm_server)
    verdict = check(desk_server, "/test/llm").json()
    assert verdict["ok"] and verdict["target"] == "llm"
    assert "model listed" in verdict["summary"] and "tools and JSON work" in verdict["summary"]
    names = [s["name"] for s in verdict["steps"]]
    assert names == ["configuration", "request", "tool calling", "JSON output"]
    assert [s["ok"] for s in verdict["steps"]] == [True, True, True, True]
    probes = llm_server.llm.of_kind("probe")
    assert [bool(p.body.get("tools")) for p in probes[-2:]] == [True, False]
    assert probes[-1].body["response_format"] == {"type": "json_object"}


async def test_check_llm_model_without_tool_calling(
    desk_server: LiveServer, llm_server: FakeLLMServer
) -> None:
    def words_only(fake: FakeLLM, body: dict[str, Any], kind: str) -> Reply:
        if kind == "probe" and body.get("tools"):
            return Reply("pong")  # answers in words: never calls the tool
        return default_responder(fake, body, kind)

    llm_server.llm.responder = words_only
    use_llm(desk_server, llm_server)
    verdict = check(desk_server, "/test/llm").json()
    assert not verdict["ok"]
    steps = {s["name"]: s for s in verdict["steps"]}
    assert steps["request"]["ok"] and not steps["tool calling"]["ok"]
    assert steps["JSON output"]["ok"]
    assert verdict["summary"].startswith("The model 'fake-model' cannot call tools")


async def test_check_llm_model_without_json_output(
    desk_server: LiveServer, llm_server: FakeLLMServer
) -> None:
    def prose(fake: FakeLLM, body: dict[str, Any], kind: str) -> Reply:
        if kind == "probe" and not body.get("tools"):
            return Reply("Sure! Here you go: ok = true")
        return default_responder(fake, body, kind)

    llm_server.llm.responder = prose
    use_llm(desk_server, llm_server)
    verdict = check(desk_server, "/test/llm").json()
    assert not verdict["ok"]
    assert verdict["summary"].startswith("The model 'fake-model' does not answer in JSON")


async def test_check_llm_rejected_key_and_unreachable(
    desk_server: LiveServer, llm_server: FakeLLMServer
) -> None:
    use_llm(desk_server, llm_server)
    llm_server.llm.fail_status = 401
    verdict = check(desk_server, "/test/llm").json()
    assert not verdict["ok"]
    assert "HTTP 401: the API key was rejected" in verdict["summary"]
    httpx.put(api(desk_server), json={"llm_base_url": "http://127.0.0.1:9/v1"}).raise_for_status()
    down = check(desk_server, "/test/llm").json()
    assert not down["ok"] and "127.0.0.1:9" in down["summary"]


async def test_check_llm_not_configured(desk_server: LiveServer) -> None:
    verdict = check(desk_server, "/test/llm").json()
    assert not verdict["ok"] and "No LLM configured" in verdict["summary"]


async def test_check_exchange_working_with_keys(desk_server: LiveServer, script: Script) -> None:
    for name, value in KEYS.items():
        httpx.put(api(desk_server, f"/secrets/{name}"), json={"value": value}).raise_for_status()
    verdict = check(desk_server, "/test/exchange").json()
    assert verdict["ok"], verdict
    assert [s["name"] for s in verdict["steps"]] == ["ticker BTC/USDT", "API keys"]
    assert verdict["steps"][0]["detail"].startswith("last ")
    assert "accepted" in verdict["steps"][1]["detail"]
    signed = [r for r in script.requests if r.path == "/api/v2/spot/account/assets"]
    assert signed and signed[-1].headers["ACCESS-KEY"] == API_KEY  # the stored key was used


async def test_check_exchange_rejected_keys_and_failing_ticker(
    desk_server: LiveServer, script: Script
) -> None:
    for name, value in KEYS.items():
        httpx.put(api(desk_server, f"/secrets/{name}"), json={"value": value}).raise_for_status()
    script.to(
        "/api/v2/spot/account/assets",
        ccxt.AuthenticationError('bitget {"code":"40037","msg":"Apikey does not exist"}'),
    )
    script.to("/api/v2/spot/market/tickers", ccxt.ExchangeNotAvailable("bitget 503 maintenance"))
    verdict = check(desk_server, "/test/exchange").json()
    assert not verdict["ok"]
    ticker, keys = verdict["steps"]
    assert not ticker["ok"] and ticker["detail"] == "Bitget did not answer"
    assert not keys["ok"] and "rejected the configured credentials" in keys["detail"]
    text = check(desk_server, "/test/exchange").text
    assert API_KEY not in text and API_SECRET not in text


async def test_check_market_working_and_unreachable(
    desk_server: LiveServer, coingecko: FakeCoinGecko
) -> None:
    replay = check(desk_server, "/test/market").json()
    assert replay["ok"] and "replay" in replay["summary"]
    httpx.put(
        api(desk_server), json={"market_data": "live", "coingecko_base_url": coingecko.url}
    ).raise_for_status()
    live = check(desk_server, "/test/market").json()
    assert live["ok"], live
    assert "coingecko" in live["summary"].lower()
    assert coingecko.count() >= 1
    httpx.put(api(desk_server), json={"coingecko_base_url": closed_port_url()}).raise_for_status()
    down = check(desk_server, "/test/market").json()
    assert not down["ok"] and "CoinGecko is not reachable from this machine" in down["summary"]
