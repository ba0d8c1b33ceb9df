"""REST helpers of the watcher's server tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.runtime.server import LiveServer


def post(server: LiveServer | str, path: str, body: dict[str, Any]) -> httpx.Response:
    base = server if isinstance(server, str) else server.http
    return httpx.post(f"{base}/api/v1{path}", json=body, timeout=15)


def get(server: LiveServer | str, path: str) -> Any:
    base = server if isinstance(server, str) else server.http
    response = httpx.get(f"{base}/api/v1{path}", timeout=15)
    response.raise_for_status()
    return response.json()


def target(server: LiveServer | str, url: str, name: str = "hook") -> str:
    response = post(server, "/notify/targets", {"name": name, "url": url})
    assert response.status_code == 201, response.text
    target_id: str = response.json()["id"]
    return target_id


def alert(server: LiveServer | str, symbol: str, kind: str, value: float, **extra: Any) -> str:
    body = {"symbol": symbol, "condition": {"kind": kind, "value": value}, **extra}
    response = post(server, "/alerts", body)
    assert response.status_code == 201, response.text
    alert_id: str = response.json()["id"]
    return alert_id


def deliveries(server: LiveServer | str, alert_id: str) -> list[dict[str, Any]]:
    firings = get(server, f"/alerts/{alert_id}")["firings"]
    return [d for firing in firings for d in firing["deliveries"]]
