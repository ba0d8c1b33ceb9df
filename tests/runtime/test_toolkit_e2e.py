"""The offline analyst end to end through the real server and real sockets, on the whole
toolkit: the offline ccxt Bitget for exchange questions, the loopback fake CoinGecko for live
market data (overview, technical analysis, chart spec and PNG), and auto mode with CoinGecko down.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from tests.charts.png import png_size
from tests.market.fake_coingecko import FakeCoinGecko, closed_port_url, market_settings
from tests.offline_bitget import Script, offline_exchange
from tests.runtime.client import ask, chat
from tests.runtime.invariants import check_run
from tests.runtime.server import LiveServer, running
from tests.shared import shared_market_path

H = 3600
Frame = dict[str, Any]


async def ask_checked(server: LiveServer, question: str) -> list[Frame]:
    frames = await ask(server.ws, chat(question), timeout=60)
    run = [f for f in frames if f.get("seq") is not None]
    check_run(run, expect="completed")
    return run


def tool_results(frames: list[Frame]) -> dict[str, list[Frame]]:
    results: dict[str, list[Frame]] = {}
    for frame in frames:
        if frame["type"] == "tool_result":
            results.setdefault(frame["tool_name"], []).append(frame)
    return results


def result_of(frames: list[Frame]) -> Frame:
    return next(f for f in frames if f["type"] == "result")


def btc_hourly_chart(samples: int = 400) -> dict[str, list[list[float]]]:
    """A CoinGecko /market_chart payload of the real BTC hourly closes, moved to end now."""
    path = shared_market_path() / "binance_spot_1h" / "BTC_USDT_1h.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[-samples:]
    now = int(time.time()) // H * H
    times = [(now - (samples - 1 - i) * H) * 1000 for i in range(samples)]
    return {
        "prices": [[t, float(r["close"])] for t, r in zip(times, rows, strict=True)],
        "market_caps": [],
        "total_volumes": [
            [t, float(r["volume"]) * float(r["close"]) * 24]
            for t, r in zip(times, rows, strict=True)
        ],
    }


@pytest.fixture
def bitget_server(replay_settings: Settings) -> Iterator[LiveServer]:
    """The real app on replayed candles with the offline ccxt Bitget as its exchange."""
    with running(create_app(replay_settings, exchange=offline_exchange(Script()))) as server:
        yield server


@pytest.fixture
def live_server(coingecko: FakeCoinGecko, tmp_path: Path) -> Iterator[LiveServer]:
    """The real app in live mode against the loopback fake CoinGecko."""
    settings = market_settings(coingecko.url, "live", data_dir=tmp_path / "data")
    with running(create_app(settings)) as server:
        yield server


async def test_exchange_question_through_the_server(bitget_server: LiveServer) -> None:
    frames = await ask_checked(
        bitget_server, "What's the order book and funding for BTC on Bitget?"
    )
    calls = [f for f in frames if f["type"] == "tool_call"]
    assert {c["tool_name"] for c in calls} >= {"get_order_book", "get_funding_rate"}
    assert all(
        c["agent"] == "ExchangeAnalyst"
        for c in calls
        if c["tool_name"] in ("get_order_book", "get_funding_rate")
    )
    results = tool_results(frames)
    (book,) = results["get_order_book"]
    (funding,) = results["get_funding_rate"]
    assert book["success"] and funding["success"]
    assert "spread 1.5000 (0.38 bps)" in book["result_preview"]
    steps = {f["agent"]: f["emoji"] for f in frames if f["type"] == "agent_step"}
    assert steps["ExchangeAnalyst"] == "🏦"
    result = result_of(frames)
    assert "ExchangeAnalyst" in result["agents_used"]
    content = result["content"]
    assert "## Order book: BTC/USDT on bitget" in content
    assert "| 39,100.50 | 39,102.00 | 39,101.25 | 1.5000 | 0.38 |" in content  # the recording's
    assert "| Funding rate | -0.0013% per 8h |" in content
    assert result["data_labels"] == ["replay"]


async def test_live_overview_question_through_the_server(
    live_server: LiveServer, coingecko: FakeCoinGecko
) -> None:
    frames = await ask_checked(live_server, "How is the crypto market today?")
    results = tool_results(frames)
    assert list(results) == ["get_market_overview"]
    assert results["get_market_overview"][0]["success"]
    assert coingecko.count("/global") == 1 and coingecko.count("/coins/markets") == 1
    result = result_of(frames)
    assert "## Market overview" in result["content"]
    assert "| 1 | Bitcoin (BTC) | $70,187.00 |" in result["content"]
    assert result["data_labels"] == []


async def test_live_technical_question_serves_the_chart_spec_and_png(
    live_server: LiveServer, coingecko: FakeCoinGecko
) -> None:
    coingecko.serve("/coins/bitcoin/market_chart", btc_hourly_chart())
    frames = await ask_checked(live_server, "Analyze BTC on the 1h chart")
    results = tool_results(frames)
    for tool in ("get_crypto_price", "compute_indicators", "find_key_levels", "create_chart"):
        assert all(r["success"] for r in results[tool]), (tool, results[tool])
    # One fetch per series for every tool: the 1h candles, and the 4h and 15m ones the outlook
    # reads the neighbouring trends from.
    charts = [seen.query["days"] for seen in coingecko.requests("/coins/bitcoin/market_chart")]
    assert len(charts) == len(set(charts)) == 3
    result = result_of(frames)
    assert "## Technical analysis: BTC (1h)" in result["content"]
    assert "coingecko" in result["content"]
    (chart_id,) = result["charts"]
    spec = httpx.get(f"{live_server.http}/api/v1/charts/{chart_id}")
    assert spec.status_code == 200
    body = spec.json()
    assert body["id"] == chart_id and body["interval"] == "1h"
    assert len(body["spec"]["candles"]) >= 200
    image = httpx.get(f"{live_server.http}/api/v1/charts/{chart_id}.png", timeout=60)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert png_size(image.content) >= (1000, 800)


async def test_auto_mode_without_coingecko_is_labelled_fallback(tmp_path: Path) -> None:
    settings = market_settings(closed_port_url(), "auto", data_dir=tmp_path / "data")
    with running(create_app(settings)) as server:
        frames = await ask_checked(server, "What is the price of Bitcoin?")
    (price,) = tool_results(frames)["get_crypto_price"]
    assert price["success"] and "FALLBACK" in price["result_preview"]
    result = result_of(frames)
    assert "fallback" in result["data_labels"] and "simulated" in result["data_labels"]
    assert "⚠️ Live source unreachable: simulated demo data stands in" in result["content"]
