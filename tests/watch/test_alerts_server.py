"""Alert rules on the real server: the fake CoinGecko's prices move, the watcher fires, the
notification reaches the list and the webhook receiver through the outbox."""

from __future__ import annotations

import httpx

from tests.market.fake_coingecko import FakeCoinGecko
from tests.runtime.server import LiveServer
from tests.watch.conftest import notifications, until
from tests.watch.receiver import Receiver


def test_alert_price_below_fires_once_and_is_delivered(
    server: LiveServer, coingecko: FakeCoinGecko, receiver: Receiver
) -> None:
    api = f"{server.http}/api/v1"
    target = httpx.post(
        f"{api}/notify/targets", json={"name": "hook", "url": receiver.url()}, timeout=10
    )
    assert target.status_code == 201, target.text
    target_id = target.json()["id"]
    created = httpx.post(
        f"{api}/alerts",
        json={
            "symbol": "BTC",
            "condition": {"kind": "price_below", "value": 60000},
            "target_ids": [target_id],
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["label"] == "BTC price below $60,000.00"
    coingecko.set_price("bitcoin", 59_500.0, -3.0)
    fired = until(lambda: notifications(server))
    assert fired[0]["rule_id"] == rule["id"]
    assert fired[0]["values"]["price"] == 59_500.0
    until(lambda: receiver.delivered)
    got = receiver.delivered[0]
    assert got.body["title"] == "🔔 BTC price below $60,000.00"
    assert got.key == f"{fired[0]['id']}:{target_id}"
    assert got.body["idempotency_key"] == got.key
