"""kill -9 of the server during a delivery, then a restart on the same database: the delivery
left `sending` is taken back and sent again, and the receiver ends with exactly one delivery.

Two crashes are possible. Before the receiver answered: the receiver got no 2xx from the first
attempt, so exactly one request was accepted. After the receiver accepted but before our commit
(a window no sender can close): the receiver gets the same idempotency key twice and keeps one.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.servers import ServeProcess, serve_env
from tests.market.fake_coingecko import FakeCoinGecko
from tests.watch.api import alert, deliveries, target
from tests.watch.conftest import until
from tests.watch.receiver import Receiver


@pytest.fixture
def serve(tmp_path: Path, coingecko: FakeCoinGecko) -> Iterator[list[ServeProcess]]:
    """Starts `cryptodesk serve` processes on one SQLite database (one at a time)."""
    coingecko.set_price("bitcoin", 64_000.0)
    started: list[ServeProcess] = []
    yield started
    for process in started:
        process.stop()


def start(tmp_path: Path, coingecko: FakeCoinGecko, started: list[ServeProcess]) -> ServeProcess:
    data = tmp_path / "data"
    env = serve_env(
        data,
        f"sqlite+aiosqlite:///{data / 'cryptodesk.db'}",
        CRYPTODESK_MARKET_DATA="live",
        CRYPTODESK_COINGECKO_BASE_URL=coingecko.url,
        CRYPTODESK_COINGECKO_RATE_PER_MINUTE="6000",
        CRYPTODESK_WATCH_POLL_MIN_S="0.2",
        CRYPTODESK_NOTIFY_TIMEOUT_S="20",
        CRYPTODESK_NOTIFY_RETRY_BASE_S="0.1",
    )
    process = ServeProcess(tmp_path, env)
    started.append(process)
    process.wait_healthy()
    return process


def killed(process: ServeProcess) -> None:
    if process.proc.poll() is None:
        process.proc.send_signal(signal.SIGKILL)
    process.proc.wait(10)


def test_outbox_kill_during_delivery_then_restart_delivers_exactly_once(
    tmp_path: Path, coingecko: FakeCoinGecko, receiver: Receiver, serve: list[ServeProcess]
) -> None:
    first = start(tmp_path, coingecko, serve)
    hook = target(first.http, receiver.url())
    rule = alert(first.http, "BTC", "price_below", 60_000, target_ids=[hook])
    receiver.hang_next(1, 60.0)  # the first attempt waits for an answer that never comes
    coingecko.set_price("bitcoin", 59_000.0)
    until(lambda: receiver.received)
    assert [d["status"] for d in deliveries(first.http, rule)] == ["sending"]
    killed(first)

    second = start(tmp_path, coingecko, serve)
    sent = until(lambda: [d for d in deliveries(second.http, rule) if d["status"] == "sent"], 60)
    assert sent[0]["attempts"] == 2
    assert len(receiver.delivered) == 1  # one request answered 2xx, no deduplication needed
    assert {r.key for r in receiver.received} == {sent[0]["idempotency_key"]}


def test_outbox_kill_after_the_receiver_accepted_is_one_delivery_by_its_key(
    tmp_path: Path, coingecko: FakeCoinGecko, receiver: Receiver, serve: list[ServeProcess]
) -> None:
    first = start(tmp_path, coingecko, serve)
    hook = target(first.http, receiver.url())
    rule = alert(first.http, "BTC", "price_below", 60_000, target_ids=[hook])
    receiver.kill_on_next(first.proc.pid)  # accepted by the receiver, never seen by the server
    coingecko.set_price("bitcoin", 59_000.0)
    until(lambda: receiver.delivered)
    first.proc.wait(10)

    second = start(tmp_path, coingecko, serve)
    sent = until(lambda: [d for d in deliveries(second.http, rule) if d["status"] == "sent"], 60)
    key = sent[0]["idempotency_key"]
    assert [r.key for r in receiver.delivered] == [key, key]  # the crash window: sent twice
    assert list(receiver.unique_deliveries()) == [key]  # a receiver keeping one per key: one
