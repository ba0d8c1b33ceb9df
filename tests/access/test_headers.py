"""Security headers on every HTTP response: the API, its errors, static files, the guard's
refusals, the login page; `/docs` with a policy of its own that admits only its own script."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from cryptodesk.access.headers import APP_POLICY
from tests.access.tokens import bearer
from tests.runtime.server import LiveServer

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_secured(response: httpx.Response, policy: str = APP_POLICY) -> None:
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{name} on {where}"
    assert response.headers.get("content-security-policy") == policy, where


def test_headers_on_every_kind_of_response(offline_server: LiveServer) -> None:
    base = offline_server.http
    responses = [
        httpx.get(f"{base}/"),
        httpx.get(f"{base}/api/v1/health"),
        httpx.get(f"{base}/api/v1/conversations/nope"),  # 404
        httpx.put(f"{base}/api/v1/settings", json={"max_turns": "x"}),  # 422
        httpx.get(f"{base}/docs/assets/swagger-ui.css"),  # a static file
        httpx.get(f"{base}/api/v1/settings", headers={"Host": "evil.example"}),  # 421
        httpx.put(
            f"{base}/api/v1/settings", json={}, headers={"Origin": "http://evil.example"}
        ),  # 403
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 422, 200, 421, 403]
    for response in responses:
        assert_secured(response)
    assert "frame-ancestors 'none'" in APP_POLICY and "img-src 'self' data: blob:" in APP_POLICY


def test_headers_on_the_guard_and_login_answers(guarded: LiveServer) -> None:
    base = guarded.http
    responses = [
        httpx.get(f"{base}/api/v1/settings"),  # 401
        httpx.get(f"{base}/", headers={"Accept": "text/html"}),  # 303 to /login
        httpx.get(f"{base}/login"),
        httpx.post(f"{base}/login", data={"token": "wrong"}),  # 401 page
        httpx.get(f"{base}/api/v1/settings", headers=bearer()),
    ]
    assert [r.status_code for r in responses] == [401, 303, 200, 401, 200]
    for response in responses:
        assert_secured(response)


def test_headers_docs_have_their_own_policy_with_the_hash_of_their_script(
    offline_server: LiveServer,
) -> None:
    page = httpx.get(f"{offline_server.http}/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "cdn" not in page.text and "https://" not in page.text
    assert 'src="/docs/assets/swagger-ui-bundle.js"' in page.text
    (inline,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy
    assert httpx.get(f"{offline_server.http}/redoc").status_code == 404  # it used a CDN
