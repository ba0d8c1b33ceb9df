"""REST: health, readiness, history, export, charts; 404 and 422 with reasons."""

from __future__ import annotations

import httpx
import pytest

from tests.charts.png import png_size
from tests.runtime.client import SEED_CHAT, ask, chat
from tests.runtime.server import LiveServer


def test_health(offline_server: LiveServer) -> None:
    body = httpx.get(f"{offline_server.http}/api/v1/health").json()
    assert body["status"] == "healthy"
    assert body["timestamp"]


def test_readiness_reports_every_component(offline_server: LiveServer) -> None:
    response = httpx.get(f"{offline_server.http}/api/v1/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"]["ready"] is True
    assert body["engine_name"] == "offline"
    assert body["llm_status"] == "not_configured"
    assert body["market_data_mode"] == "replay"
    assert body["simulated_data"] is False


def test_ws_status_counts_connections(offline_server: LiveServer) -> None:
    body = httpx.get(f"{offline_server.http}/ws/status").json()
    assert body == {
        "status": "healthy",
        "active_connections": 0,
        "active_runs": 0,
        "timestamp": body["timestamp"],
    }


def test_openapi_docs_are_served(offline_server: LiveServer) -> None:
    assert httpx.get(f"{offline_server.http}/docs").status_code == 200
    paths = httpx.get(f"{offline_server.http}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/health",
        "/api/v1/health/ready",
        "/ws/status",
        "/api/v1/runs/{run_id}/events",
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}",
        "/api/v1/conversations/{conversation_id}/export",
        "/api/v1/charts/{chart_id}",
        "/api/v1/charts/{chart_id}.png",
    ):
        assert path in paths


async def test_conversations_list_newest_first_and_paginated(offline_server: LiveServer) -> None:
    for question in ("price of BTC", "price of ETH", "price of SOL"):
        await ask(offline_server.ws, chat(question))
    page = httpx.get(f"{offline_server.http}/api/v1/conversations?limit=2").json()
    assert page["total"] == 3
    assert [c["title"] for c in page["items"]] == ["price of SOL", "price of ETH"]
    assert all(c["message_count"] == 2 for c in page["items"])
    rest = httpx.get(f"{offline_server.http}/api/v1/conversations?limit=2&offset=2").json()
    assert [c["title"] for c in rest["items"]] == ["price of BTC"]


async def test_conversation_detail_rename_export_delete(offline_server: LiveServer) -> None:
    frames = await ask(offline_server.ws, chat("Analyze ETH on the 4h chart with RSI and MACD"))
    cid = frames[0]["conversation_id"]
    base = f"{offline_server.http}/api/v1/conversations/{cid}"
    detail = httpx.get(base).json()
    assert detail["messages"][0]["content"] == "Analyze ETH on the 4h chart with RSI and MACD"
    assert detail["messages"][1]["role"] == "assistant"
    assert detail["runs"][0]["status"] == "completed"
    assert detail["active_run_id"] is None

    renamed = httpx.patch(base, json={"title": "ETH 4h"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "ETH 4h"

    export = httpx.get(f"{base}/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/markdown")
    assert "attachment" in export.headers["content-disposition"]
    assert export.text.startswith("# ETH 4h")
    assert detail["messages"][1]["content"].strip()[:40] in export.text
    (result,) = [f for f in frames if f["type"] == "result"]
    (outlook,) = result["outlook"]
    assert f"_Answer kind: {result['answer_kind']}._" in export.text
    assert f"- Outlook ETH 4h as of {outlook['as_of'][:10]}" in export.text
    assert f": {outlook['bias']}, strength {outlook['strength']:g}; support" in export.text

    assert httpx.delete(base).status_code == 204
    assert httpx.get(base).status_code == 404
    run_id = frames[0]["run_id"]
    assert httpx.get(f"{offline_server.http}/api/v1/runs/{run_id}/events").status_code == 404


async def test_chart_generated_is_served(offline_server: LiveServer) -> None:
    frames = await ask(offline_server.ws, chat("Analyze ETH on the 4h chart with RSI and MACD"))
    charts = [f for f in frames if f["type"] == "chart_generated"]
    assert charts, [f["type"] for f in frames]
    chart = charts[0]
    assert chart["url"] == f"/api/v1/charts/{chart['chart_id']}"
    body = httpx.get(f"{offline_server.http}{chart['url']}").json()
    assert body["id"] == chart["chart_id"]
    assert body["symbol"] == chart["symbol"]
    assert body["spec"]["candles"]
    result = next(f for f in frames if f["type"] == "result")
    assert chart["chart_id"] in result["charts"]


async def test_chart_png_is_served_beside_its_spec(offline_server: LiveServer) -> None:
    frames = await ask(
        offline_server.ws, chat("Analyze BTC on the 4h chart with ADX and stochastic")
    )
    chart_id = next(f["chart_id"] for f in frames if f["type"] == "chart_generated")
    base = f"{offline_server.http}/api/v1/charts/{chart_id}"
    # The first PNG imports matplotlib and renders: seconds on a busy machine, so no 5 s timeout.
    image = httpx.get(f"{base}.png", timeout=60)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    width, height = png_size(image.content)
    assert (width, height) >= (1000, 800)
    assert httpx.get(f"{base}.png").content == image.content
    spec = httpx.get(base)
    assert spec.status_code == 200 and spec.json()["id"] == chart_id
    assert {p["name"] for p in spec.json()["spec"]["panes"]} >= {"ADX14", "Stochastic"}


def test_unknown_chart_png_is_the_same_404_as_an_unknown_chart(
    offline_server: LiveServer,
) -> None:
    png = httpx.get(f"{offline_server.http}/api/v1/charts/nope.png")
    spec = httpx.get(f"{offline_server.http}/api/v1/charts/nope")
    assert png.status_code == spec.status_code == 404
    assert png.headers["content-type"] == "application/json"
    assert png.json() == {"detail": "chart 'nope' not found", "code": "not_found"}
    assert spec.json() == {"detail": "chart 'nope' not found", "code": "not_found"}


def test_unknown_ids_are_404_with_a_reason(offline_server: LiveServer) -> None:
    for path in (
        "/api/v1/conversations/nope",
        "/api/v1/conversations/nope/export",
        "/api/v1/runs/nope/events",
        "/api/v1/charts/nope",
    ):
        response = httpx.get(f"{offline_server.http}{path}")
        assert response.status_code == 404, path
        assert "not found" in response.json()["detail"]
    assert httpx.delete(f"{offline_server.http}/api/v1/conversations/nope").status_code == 404
    patch = httpx.patch(f"{offline_server.http}/api/v1/conversations/nope", json={"title": "x"})
    assert patch.status_code == 404


async def test_bad_rest_input_is_422_and_loses_nothing(offline_server: LiveServer) -> None:
    frames = await ask(offline_server.ws, chat("price of BTC"))
    cid = frames[0]["conversation_id"]
    base = f"{offline_server.http}/api/v1/conversations/{cid}"
    for body in ({"title": ""}, {"title": "x" * 201}, {"name": "x"}, {}):
        response = httpx.patch(base, json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    assert httpx.patch(base, content=b"not json").status_code == 422
    for query in ("limit=0", "limit=abc", "offset=-1"):
        response = httpx.get(f"{offline_server.http}/api/v1/conversations?{query}")
        assert response.status_code == 422
    run_id = frames[0]["run_id"]
    response = httpx.get(f"{offline_server.http}/api/v1/runs/{run_id}/events?after_seq=-1")
    assert response.status_code == 422
    assert httpx.get(base).json()["title"] == "price of BTC"


async def test_run_events_after_seq(offline_server: LiveServer) -> None:
    frames = await ask(offline_server.ws, chat("price of BTC"))
    run_id = frames[0]["run_id"]
    body = httpx.get(f"{offline_server.http}/api/v1/runs/{run_id}/events?after_seq=3").json()
    assert body["events"] == frames[3:]


def test_seed_chat_constant_is_the_seed_frame() -> None:
    assert SEED_CHAT == '{"type": "chat", "payload": {"message": "What is the price of Bitcoin?"}}'


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/runs/r/events?after_seq=9223372036854775808",
        "/api/v1/runs/r/events?after_seq=2147483648",
        "/api/v1/runs/r/events?limit=9223372036854775808",
        "/api/v1/conversations?offset=9223372036854775808",
        "/api/v1/conversations?offset=99999999999999999999999",
        "/api/v1/conversations?limit=9223372036854775808",
    ],
)
def test_rest_huge_numbers_are_422(offline_server: LiveServer, query: str) -> None:
    response = httpx.get(f"{offline_server.http}{query}")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "bad_request"
    assert body["detail"][0]["type"] == "less_than_equal"


def test_rest_bounds_are_in_the_openapi_document(offline_server: LiveServer) -> None:
    paths = httpx.get(f"{offline_server.http}/openapi.json").json()["paths"]
    params = {
        p["name"]: p["schema"]
        for path in ("/api/v1/runs/{run_id}/events", "/api/v1/conversations")
        for p in paths[path]["get"]["parameters"]
    }
    assert params["after_seq"]["maximum"] == 2**31 - 1
    assert params["offset"]["maximum"] == 2**31 - 1
    assert params["limit"]["maximum"] in (200, 5000)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/conversations/x", "GET, PATCH, DELETE"),
        ("PUT", "/api/v1/conversations/x", "GET, PATCH, DELETE"),
        ("POST", "/api/v1/health", "GET"),
        ("TRACE", "/api/v1/settings", "GET, PUT"),
        ("OPTIONS", "/api/v1/settings/secrets/openai_api_key", "PUT, DELETE"),
    ],
)
def test_rest_wrong_method_is_405_with_the_path_methods(
    offline_server: LiveServer, method: str, path: str, allow: str
) -> None:
    response = httpx.request(method, f"{offline_server.http}{path}")
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS", "DELETE"])
def test_rest_unknown_api_path_is_404_json(offline_server: LiveServer, method: str) -> None:
    response = httpx.request(method, f"{offline_server.http}/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": "no API endpoint at /api/v1/no-such-thing",
        "code": "not_found",
    }


def test_rest_errors_are_declared_in_the_openapi_document(offline_server: LiveServer) -> None:
    document = httpx.get(f"{offline_server.http}/openapi.json").json()
    paths = document["paths"]
    conversation = paths["/api/v1/conversations/{conversation_id}"]
    assert set(conversation["delete"]["responses"]) >= {"204", "404", "409", "503", "507"}
    assert set(conversation["patch"]["responses"]) >= {"200", "404", "422", "503", "507"}
    export = paths["/api/v1/conversations/{conversation_id}/export"]["get"]["responses"]
    assert set(export["200"]["content"]) == {"text/markdown"}
    assert set(export["404"]["content"]) == {"application/json"}
    # Every 422 is the body the server sends, not FastAPI's own.
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path in ("/api/v1/runs/{run_id}/events", "/api/v1/conversations/{conversation_id}"):
        for operation in paths[path].values():
            invalid = operation["responses"].get("422")
            if invalid is not None:
                schema = invalid["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ValidationErrorBody"}
    settings_422 = paths["/api/v1/settings"]["put"]["responses"]["422"]
    assert len(settings_422["content"]["application/json"]["schema"]["anyOf"]) == 2
