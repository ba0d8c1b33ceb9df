"""One limit of failed attempts per address, shared by /login and Bearer tokens: reserved before
a login's body is read, so concurrent or slow requests get exactly `limit` comparisons."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.access.tokens import TOKEN, bearer
from tests.runtime.server import LiveServer

LIMIT = 3  # the guarded server's login_attempts_per_minute
GUESS = "guess-7c1e9a0b5d"


async def _login_with_a_late_body(port: int, *, heads_first: asyncio.Event) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = f"token={GUESS}".encode()
    writer.write(
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
    )
    await writer.drain()
    await heads_first.wait()  # every request's head is in before any body is
    writer.write(body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_attempts_concurrent_slow_logins_get_exactly_the_limit_of_comparisons(
    guarded: LiveServer,
) -> None:
    heads_first = asyncio.Event()
    tasks = [
        asyncio.create_task(_login_with_a_late_body(guarded.port, heads_first=heads_first))
        for _ in range(100)
    ]
    await asyncio.sleep(1.0)  # the heads reach the server (the outcome does not depend on it)
    heads_first.set()
    statuses = await asyncio.gather(*tasks)
    assert statuses.count(401) == LIMIT  # compared and wrong
    assert statuses.count(429) == 100 - LIMIT  # refused before any comparison


def test_attempts_wrong_bearer_tokens_are_limited_and_logged(
    guarded: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = f"{guarded.http}/api/v1/settings"
    for _ in range(LIMIT):
        assert httpx.get(url, headers=bearer(GUESS)).status_code == 401
    limited = httpx.get(url, headers=bearer(GUESS))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["code"] == "rate_limited"
    # Over the limit nothing is compared, not even the right token; /login shares the limit.
    assert httpx.get(url, headers=bearer()).status_code == 429
    assert httpx.post(f"{guarded.http}/login", data={"token": TOKEN}).status_code == 429
    warnings = [r.getMessage() for r in caplog.records if r.name == "cryptodesk.access.guard"]
    assert sum("wrong Bearer token from 127.0.0.1" in w for w in warnings) == LIMIT
    assert any("over the limit" in w for w in warnings)
    assert GUESS not in caplog.text and TOKEN not in caplog.text


async def test_attempts_failed_logins_limit_bearer_websockets_too(guarded: LiveServer) -> None:
    for _ in range(LIMIT):
        assert httpx.post(f"{guarded.http}/login", data={"token": GUESS}).status_code == 401
    with pytest.raises(InvalidStatus) as refused:
        async with connect(guarded.ws, additional_headers=bearer()):
            pass
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["retry-after"]


def test_attempts_the_right_bearer_token_is_not_counted(guarded: LiveServer) -> None:
    for _ in range(LIMIT * 3):
        assert httpx.get(f"{guarded.http}/api/v1/settings", headers=bearer()).status_code == 200
    assert httpx.post(f"{guarded.http}/login", data={"token": TOKEN}).status_code == 303
