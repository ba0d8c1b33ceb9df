"""REST live charts: a fresh chart spec for a coin, timeframe and indicators, without a run."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import httpx

from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.charts import CHART_INDICATORS, CHART_TOOL
from tests.fakes import MemoryChartStore
from tests.runtime.server import LiveServer

LIVE = "/api/v1/charts/live"


def live(server: LiveServer, **query: str) -> httpx.Response:
    return httpx.get(f"{server.http}{LIVE}", params=query, timeout=30)


def spacing(spec: dict[str, Any]) -> set[int]:
    times = [c["time"] for c in spec["candles"]]
    return {b - a for a, b in itertools.pairwise(times)}


def test_live_chart_builds_the_asked_timeframe_and_indicators(offline_server: LiveServer) -> None:
    response = live(offline_server, symbol="ETH", timeframe="1d", indicators="rsi14,macd")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["symbol"], body["timeframe"], body["indicators"]) == (
        "ETH",
        "1d",
        ["rsi14", "macd"],
    )
    spec = body["spec"]
    assert spec["interval"] == "1d" and spec["kind"] == "price"
    assert spacing(spec) == {86_400}
    assert [p["name"] for p in spec["panes"]] == ["RSI14", "MACD"]
    assert spec["overlays"] == []
    assert spec["levels"], "levels are drawn by default"
    assert spec["source"].startswith("replay")

    hourly = live(offline_server, symbol="ethereum", timeframe="1h", indicators="").json()
    assert spacing(hourly["spec"]) == {3_600}
    assert hourly["spec"]["panes"] == [] and hourly["spec"]["overlays"] == []
    assert live(offline_server, symbol="BTC", levels="false").json()["spec"]["levels"] == []


def test_live_chart_defaults_to_the_run_charts_indicators(offline_server: LiveServer) -> None:
    body = live(offline_server, symbol="SOL").json()
    assert body["timeframe"] == "4h"
    assert body["indicators"] == list(CHART_INDICATORS)
    names = {line["name"] for line in body["spec"]["overlays"]}
    assert {"SMA50", "SMA200", "BB upper"} <= names


async def test_live_chart_is_the_chart_the_run_tool_builds(
    offline_server: LiveServer, shared_market_dir: Path
) -> None:
    """Same code, same data: the endpoint's spec equals what `create_chart` stores."""
    market = MarketDataService(
        ReplayProvider(shared_market_dir / "binance_spot_1h"), "replay", "replay"
    )
    store = MemoryChartStore()
    try:
        await CHART_TOOL.invoke(
            ToolContext(market, store, "run-1", "conv-1"),
            {"coin": "DOGE", "timeframe": "1d", "indicators": ["sma50", "rsi14"]},
        )
    finally:
        await market.aclose()
    stored = next(iter(store.specs.values()))
    served = live(offline_server, symbol="DOGE", timeframe="1d", indicators="sma50,rsi14").json()
    assert served["spec"] == stored


def test_live_chart_stores_nothing(offline_server: LiveServer) -> None:
    assert live(offline_server, symbol="BTC", timeframe="1d").status_code == 200
    page = httpx.get(f"{offline_server.http}/api/v1/conversations").json()
    assert page["items"] == []


def test_live_chart_bad_input_is_422_with_the_reason(offline_server: LiveServer) -> None:
    cases: list[tuple[dict[str, str], str, str]] = [
        (
            {"symbol": "BTC", "timeframe": "2h"},
            "timeframe",
            "'5m', '15m', '1h', '4h', '1d' or '1w'",
        ),
        ({"symbol": "BTC", "indicators": "rsi14,rsi99"}, "indicators", "rsi99"),
        ({"symbol": "BTC", "limit": "5"}, "limit", "greater than or equal to 20"),
        ({"symbol": "BTC", "levels": "maybe"}, "levels", "boolean"),
        ({"symbol": "<script>"}, "symbol", "pattern"),
        ({"symbol": ""}, "symbol", "at least 1 character"),
        ({}, "symbol", "Field required"),
    ]
    for query, field, reason in cases:
        response = live(offline_server, **query)
        assert response.status_code == 422, (query, response.text)
        body = response.json()
        assert body["code"] == "bad_request"
        problem = next(d for d in body["detail"] if d["loc"][-1] == field)
        assert reason in problem["msg"], (query, problem)


def test_live_chart_unknown_coin_is_404(offline_server: LiveServer) -> None:
    response = live(offline_server, symbol="NOPECOIN", timeframe="1d")
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown coin 'NOPECOIN'", "code": "coin_not_found"}


def test_live_chart_is_in_the_openapi_schema(offline_server: LiveServer) -> None:
    schema = httpx.get(f"{offline_server.http}/openapi.json").json()
    operation = schema["paths"][LIVE]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "symbol",
        "timeframe",
        "indicators",
        "levels",
        "limit",
    }
    assert {"200", "404", "422"} <= set(operation["responses"])
    assert "LiveChartOut" in schema["components"]["schemas"]


def test_live_chart_takes_exactly_the_indicator_lists_its_document_allows(
    offline_server: LiveServer,
) -> None:
    """The `indicators` pattern in the OpenAPI document and the server agree: what it allows is
    answered, what it refuses gets a 422 naming the item."""
    document = httpx.get(f"{offline_server.http}/openapi.json").json()
    (param,) = [
        p for p in document["paths"][LIVE]["get"]["parameters"] if p["name"] == "indicators"
    ]
    pattern = re.compile(param["schema"]["pattern"])
    for allowed in ("rsi14, ,macd ", "", " , ", "sma200,sma20", "\trsi14"):
        assert pattern.match(allowed)
        response = live(offline_server, symbol="BTC", indicators=allowed)
        assert response.status_code == 200, (allowed, response.text)
    for refused in ("000", "rsi14 macd", "rsi14,bogus"):
        assert not pattern.match(refused)
        response = live(offline_server, symbol="BTC", indicators=refused)
        assert response.status_code == 422, refused
        assert "unknown indicator" in response.text
