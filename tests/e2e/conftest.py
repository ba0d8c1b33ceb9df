"""Browser tests: Debian's Chromium, headless, driven by Playwright against the real server.

They need `/usr/bin/chromium` (README, "Test prerequisites"; `.ci/run` installs it) and the web
app built into `src/cryptodesk/web` (`make test` builds it first; here it is built when missing).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cryptodesk.app import WEB_DIR, create_app
from cryptodesk.config import Settings
from tests.e2e.paced import PacedAnalyst
from tests.runtime.scripted import ScriptedEngine
from tests.runtime.server import REPO, LiveServer, running

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "e2e"
FRONTEND = REPO / "frontend"

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian's chromium at /usr/bin/chromium "
        "(sudo apt-get install -y chromium; .ci/run installs it)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright  # noqa: E402

# The machine is shared: a server that reloads its settings (building the LLM team) or a busy
# browser can take seconds. Waits are for outcomes, so a generous ceiling costs nothing.
expect.set_options(timeout=20_000)


def _ensure_web_build() -> None:
    if (WEB_DIR / "index.html").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            f"the web app is not built ({WEB_DIR}/index.html is missing) and npm is not installed: "
            "install Node 20+ and run `make test` (it builds the app first)"
        )
    if not (FRONTEND / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True)
    if not (WEB_DIR / "index.html").is_file():
        pytest.fail(f"`npm run build` did not write {WEB_DIR}/index.html")


# Package scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is started, which the asyncio tests of other packages must not inherit.
@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    _ensure_web_build()
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    browser.close()


def new_page(browser: Browser, width: int = 1440, height: int = 900, theme: str = "dark") -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy refused in the page; a test that provokes a violation
    on purpose checks this list and empties it."""
    return []


@pytest.fixture
def page(browser: Browser, csp_violations: list[str]) -> Iterator[Page]:
    page = new_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    page.context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not csp_violations, f"the app broke its Content-Security-Policy: {csp_violations}"


@pytest.fixture
def slow_engine() -> ScriptedEngine:
    """Paced so that a test can act mid-run: about 0.4 s per step."""
    return ScriptedEngine(steps=6, pause_s=0.4, tool_wait_s=0.4, deltas_per_step=2, delta_bytes=12)


@pytest.fixture
def offline_server(replay_settings: Settings) -> Iterator[LiveServer]:
    """The real app: offline analyst on replayed Binance candles, pages under the CSP."""
    with running(create_app(replay_settings)) as server:
        yield server


@pytest.fixture
def slow_server(replay_settings: Settings, slow_engine: ScriptedEngine) -> Iterator[LiveServer]:
    app = create_app(replay_settings, engine_for=lambda _choice: slow_engine)
    with running(app) as server:
        yield server


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.fixture
def paced_analyst() -> PacedAnalyst:
    """Unpaced until a test sets `pause_s`: then each step and tool call stays current a while."""
    return PacedAnalyst()


@pytest.fixture
def paced_server(replay_settings: Settings, paced_analyst: PacedAnalyst) -> Iterator[LiveServer]:
    """The real app and its offline analyst on replayed candles, paced by `paced_analyst`."""
    app = create_app(replay_settings, engine_for=lambda _choice: paced_analyst)
    paced_analyst.app = app
    with running(app) as server:
        yield server
