"""The delivery outbox on the real server: retries with backoff until the receiver answers,
failed states with a plain reason when it never does, never a stuck row."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cryptodesk.app import create_app
from tests.market.fake_coingecko import FakeCoinGecko
from tests.runtime.server import LiveServer, running
from tests.watch.api import alert, deliveries, target
from tests.watch.conftest import until, watch_settings
from tests.watch.receiver import Receiver


def test_outbox_receiver_failing_twice_then_succeeding_gets_one_delivery(
    server: LiveServer, coingecko: FakeCoinGecko, receiver: Receiver
) -> None:
    receiver.fail_next(2)
    hook = target(server, receiver.url())
    rule = alert(server, "BTC", "price_above", 65_000, target_ids=[hook])
    coingecko.set_price("bitcoin", 65_400.0)
    sent = until(lambda: [d for d in deliveries(server, rule) if d["status"] == "sent"])
    assert sent[0]["attempts"] == 3
    assert [r.status for r in receiver.received] == [500, 500, 200]
    assert len(receiver.delivered) == 1
    assert len({r.key for r in receiver.received}) == 1  # the same key on every attempt


def test_outbox_receiver_that_never_answers_ends_failed_with_the_reason(
    tmp_path: Path, coingecko: FakeCoinGecko, receiver: Receiver
) -> None:
    coingecko.set_price("bitcoin", 64_000.0)
    settings = watch_settings(tmp_path, coingecko.url, notify_max_attempts=2)
    receiver.hang_next(5, 5.0)
    with running(create_app(settings)) as server:
        hook = target(server, receiver.url())
        rule = alert(server, "BTC", "price_above", 65_000, target_ids=[hook])
        coingecko.set_price("bitcoin", 65_400.0)
        failed = until(lambda: [d for d in deliveries(server, rule) if d["status"] == "failed"])
    assert failed[0]["attempts"] == 2
    assert failed[0]["last_error"] == "no answer within 1 s (gave up after 2 attempts)"
    assert receiver.delivered == []


@pytest.mark.parametrize("failures", [50])
def test_outbox_receiver_answering_500_ends_failed_with_the_status(
    tmp_path: Path, coingecko: FakeCoinGecko, receiver: Receiver, failures: int
) -> None:
    coingecko.set_price("bitcoin", 64_000.0)
    settings = watch_settings(tmp_path, coingecko.url, notify_max_attempts=3)
    receiver.fail_next(failures)
    with running(create_app(settings)) as server:
        hook = target(server, receiver.url())
        rule = alert(server, "BTC", "price_above", 65_000, target_ids=[hook])
        coingecko.set_price("bitcoin", 65_400.0)
        failed = until(lambda: [d for d in deliveries(server, rule) if d["status"] == "failed"])
    assert failed[0]["last_error"] == "the receiver answered HTTP 500 (gave up after 3 attempts)"
    assert len(receiver.received) == 3


def test_outbox_delivery_to_a_deleted_target_fails_saying_so(
    tmp_path: Path, coingecko: FakeCoinGecko, receiver: Receiver
) -> None:
    coingecko.set_price("bitcoin", 64_000.0)
    settings = watch_settings(tmp_path, coingecko.url, notify_max_attempts=2)
    receiver.hang_next(1, 3.0)
    with running(create_app(settings)) as server:
        hook = target(server, receiver.url())
        rule = alert(server, "BTC", "price_above", 65_000, target_ids=[hook])
        coingecko.set_price("bitcoin", 65_400.0)
        until(lambda: receiver.received)  # the first attempt is on its way (and will time out)
        assert httpx.delete(f"{server.http}/api/v1/notify/targets/{hook}").status_code == 204
        failed = until(lambda: [d for d in deliveries(server, rule) if d["status"] == "failed"])
    assert "the notification target was deleted" in failed[0]["last_error"]
