"""The watcher's API on the real server: the watchlist with live prices (REST and pushed over the
WebSocket), bad input answered with clear 422s that lose nothing stored, notification target
URLs kept secret, notifications pushed and marked read, the rate budget of a large watchlist."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.watch.feed import FEED_S
from tests.market.fake_coingecko import FakeCoinGecko
from tests.runtime.client import connect, recv, recv_until
from tests.runtime.server import LiveServer, running
from tests.watch.api import alert, get, post, target
from tests.watch.conftest import until, watch_settings
from tests.watch.receiver import Receiver

SECRET_TOKEN = "s3cr3t-hook-token-9f8e7d"


def test_watchlist_add_list_remove_with_live_price(
    server: LiveServer, coingecko: FakeCoinGecko
) -> None:
    added = post(server, "/watchlist", {"symbol": "eth"})
    assert added.status_code == 200 and added.json()["coin_id"] == "ethereum"
    assert added.json()["created"] is True
    assert post(server, "/watchlist", {"symbol": "ETH"}).json()["created"] is False
    item = until(lambda: [i for i in get(server, "/watchlist")["items"] if i["price"]])[0]
    assert (item["symbol"], item["price"], item["change_24h_pct"]) == ("ETH", 3200.0, -0.5)
    assert item["source"] == "coingecko" and item["data_labels"] == []
    assert len(item["sparkline"]) > 10  # the day's hourly prices, then the last price
    assert item["sparkline"][-1] == 3200.0
    watcher = get(server, "/watchlist")["watcher"]
    assert watcher["running_here"] is True and watcher["interval_s"] >= 0.2
    removed = httpx.delete(f"{server.http}/api/v1/watchlist/ETH", timeout=10)
    assert removed.status_code == 200
    assert get(server, "/watchlist")["items"] == []
    assert httpx.delete(f"{server.http}/api/v1/watchlist/ETH", timeout=10).status_code == 404


def test_watchlist_prices_and_notifications_are_pushed_over_the_socket(
    server: LiveServer, coingecko: FakeCoinGecko
) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with connect(server.ws) as ws:
            post(server, "/watchlist", {"symbol": "BTC"})
            frames = await recv_until(
                ws, lambda f: f["type"] == "watchlist" and f["items"] and f["items"][0]["price"]
            )
            alert(server, "BTC", "price_above", 65_000)
            coingecko.set_price("bitcoin", 65_100.0, 2.0)
            seen: set[str] = set()

            def both(frame: dict[str, Any]) -> bool:
                if frame["type"] == "notification":
                    seen.add("notification")
                if frame["type"] == "watchlist" and frame["items"][0]["price"] == 65_100.0:
                    seen.add("price")
                return len(seen) == 2

            return frames + await recv_until(ws, both)

    frames = asyncio.run(scenario())
    notice = next(f for f in frames if f["type"] == "notification")
    assert notice["notification"]["title"] == "🔔 BTC price above $65,000.00"
    assert notice["notification"]["read"] is False and notice["unread"] == 1
    for frame in frames:
        if frame["type"] in ("watchlist", "notification"):
            assert "run_id" not in frame and "seq" not in frame  # connection-level frames


def test_watchlist_empty_sends_no_frame_to_a_socket(server: LiveServer) -> None:
    """Clients that predate the watch frames (and the run tests' clients) see none while there
    is nothing to watch: pages read the list over REST, frames carry changes."""

    async def scenario() -> list[dict[str, Any]]:
        async with connect(server.ws) as ws:
            hello = await recv(ws)
            assert hello["status"] == "connected"
            await asyncio.sleep(3 * FEED_S)  # the feed looked at least twice meanwhile
            await ws.send(json.dumps({"type": "ping", "payload": {}}))
            return await recv_until(ws, lambda f: f["type"] == "pong")

    assert [f["type"] for f in asyncio.run(scenario())] == ["pong"]


def test_notifications_marked_read(server: LiveServer, coingecko: FakeCoinGecko) -> None:
    alert(server, "BTC", "price_above", 65_000)
    coingecko.set_price("bitcoin", 65_100.0)
    until(lambda: get(server, "/notifications")["unread"] == 1)
    marked = post(server, "/notifications/read", {"ids": None}).json()
    assert marked == {"marked": 1, "unread": 0}
    assert get(server, "/notifications")["items"][0]["read"] is True


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"symbol": "NOTACOIN", "condition": {"kind": "price_above", "value": 1}}, "unknown coin"),
        ({"symbol": "BTC", "condition": {"kind": "price_above", "value": "60k"}}, "number"),
        ({"symbol": "BTC", "condition": {"kind": "price_above", "value": "60000"}}, "number"),
        ({"symbol": "BTC", "condition": {"kind": "price_above", "value": -5}}, "above 0"),
        ({"symbol": "BTC", "condition": {"kind": "rsi_above", "value": 170}}, "0 and 100"),
        (
            {"symbol": "BTC", "condition": {"kind": "price_above", "value": 1, "window": "1h"}},
            "pct_move",
        ),
        ({"symbol": "BTC", "condition": {"kind": "nope", "value": 1}}, "price_above"),
        (
            {
                "symbol": "BTC",
                "condition": {"kind": "price_above", "value": 1},
                "target_ids": ["x"],
            },
            "unknown notification target",
        ),
    ],
)
def test_alert_bad_input_is_a_422_with_the_reason_and_loses_nothing(
    server: LiveServer, body: dict[str, Any], reason: str
) -> None:
    kept = alert(server, "BTC", "price_below", 50_000)
    answer = post(server, "/alerts", body)
    assert answer.status_code == 422, answer.text
    assert reason in json.dumps(answer.json())
    assert [a["id"] for a in get(server, "/alerts")] == [kept]


def test_alert_on_funding_without_a_usable_exchange_is_a_422(
    tmp_path: Path, coingecko: FakeCoinGecko
) -> None:
    # An exchange id ccxt does not know: nothing can answer for the perpetual's funding.
    settings = watch_settings(tmp_path, coingecko.url, exchange="no-such-exchange")
    with running(create_app(settings)) as server:
        body = {"symbol": "BTC", "condition": {"kind": "funding_above", "value": 0.05}}
        answer = post(server, "/alerts", body)
        assert answer.status_code == 422, answer.text
        assert "funding rules need a usable exchange" in answer.json()["detail"]
        assert get(server, "/alerts") == []


def test_alert_pause_resume_delete(server: LiveServer, coingecko: FakeCoinGecko) -> None:
    post(server, "/watchlist", {"symbol": "BTC"})  # the watcher reads prices meanwhile
    rule = alert(server, "BTC", "price_above", 65_000, once=True)
    url = f"{server.http}/api/v1/alerts/{rule}"
    assert httpx.patch(url, json={"status": "paused"}).json()["status"] == "paused"
    coingecko.set_price("bitcoin", 65_500.0)
    until(lambda: get(server, "/watchlist")["watcher"]["last_update_at"])
    before = coingecko.count("/simple/price")
    until(lambda: coingecko.count("/simple/price") >= before + 3)
    assert get(server, "/notifications")["items"] == []  # a paused rule does not fire
    assert httpx.patch(url, json={"status": "active"}).json()["status"] == "active"
    until(lambda: get(server, f"/alerts/{rule}")["status"] == "done")  # once: fired, then done
    assert len(get(server, f"/alerts/{rule}")["firings"]) == 1
    assert httpx.patch(url, json={"status": "active"}).status_code == 409
    assert httpx.delete(url).status_code == 204
    assert httpx.get(url).status_code == 404
    assert len(get(server, "/notifications")["items"]) == 1  # its firing stays


def test_target_url_is_write_only_masked_and_checked(
    server: LiveServer, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"json://user:{SECRET_TOKEN}@127.0.0.1:{receiver.port}/hooks/{SECRET_TOKEN}x"
    made = post(server, "/notify/targets", {"name": "mine", "url": url})
    assert made.status_code == 201
    shown = made.json()
    assert shown["masked"] == f"json://user:****@127.0.0.1:{receiver.port}/…"
    listed = httpx.get(f"{server.http}/api/v1/notify/targets").text
    tested = post(server, f"/notify/targets/{shown['id']}/test", {})
    assert tested.status_code == 200 and tested.json()["ok"] is True
    assert receiver.delivered[0].body["title"] == "CryptoDesk test notification"
    bad = post(server, "/notify/targets", {"name": "bad", "url": f"tgram://{SECRET_TOKEN}"})
    assert bad.status_code == 422
    unknown = post(server, "/notify/targets", {"name": "x", "url": f"nope://{SECRET_TOKEN}"})
    assert unknown.status_code == 422 and "nope://" in unknown.json()["detail"]
    for text in (made.text, listed, tested.text, bad.text, unknown.text, caplog.text):
        assert SECRET_TOKEN not in text


def test_target_test_of_a_failing_receiver_says_why(server: LiveServer, receiver: Receiver) -> None:
    hook = target(server, receiver.url())
    receiver.fail_next(1)
    tested = post(server, f"/notify/targets/{hook}/test", {}).json()
    assert tested["ok"] is False
    assert tested["detail"] == "not delivered: the receiver answered HTTP 500"


def test_watchlist_of_fifty_coins_is_one_request_per_update(
    tmp_path: Path, coingecko: FakeCoinGecko
) -> None:
    listing = [
        {"id": f"token-{n:02}", "symbol": f"tk{n:02}", "name": f"Token {n}"} for n in range(50)
    ]
    coingecko.serve("/coins/list", listing)
    coins = [row["id"] for row in listing]
    for coin in coins:
        coingecko.set_price(coin, 1.0)
    settings: Settings = watch_settings(tmp_path, coingecko.url)
    with running(create_app(settings)) as server:
        for coin in coins:
            assert post(server, "/watchlist", {"symbol": coin}).status_code == 200
        everything = until(
            lambda: [
                r
                for r in coingecko.requests("/simple/price")
                if len(r.query["ids"].split(",")) == len(coins)
            ]
        )
    assert sorted(everything[0].query["ids"].split(",")) == sorted(coins)  # one request
