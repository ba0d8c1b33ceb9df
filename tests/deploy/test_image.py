"""The container image: built from the Dockerfile (on a base made from Debian packages), then
started once from its own configuration, answering health, the web app and a question.

Building takes minutes (about 3 when only the source changed, more on a fresh machine);
deploy/build-image.sh keeps the base image and Podman the layers between runs.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.deploy import image as img
from tests.deploy.servers import TOKEN, stop, wait_healthy
from tests.runtime.client import chat, recv, run_to_end
from tests.runtime.invariants import check_run
from tests.runtime.server import REPO, free_port

if (reason := img.missing_prerequisite()) is not None:
    pytest.skip(f"container image tests: {reason}", allow_module_level=True)

# Building the image takes minutes, and the first test waits for it.
pytestmark = pytest.mark.timeout(1800)

ARTIFACTS = REPO / "test-artifacts" / "deploy"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
# Nothing in these tests may reach the internet: the simulated market, the offline analyst.
OFFLINE = {"CRYPTODESK_MARKET_DATA": "demo", "CRYPTODESK_ENGINE": "offline"}


@pytest.fixture(scope="module")
def image() -> img.Image:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return img.build(ARTIFACTS / "image-build.log")


@pytest.fixture
def volumes(image: img.Image, tmp_path: Path) -> dict[str, Path]:
    """A fresh, writable directory for each of the image's volumes."""
    found = {}
    for volume in image.volumes:
        path = tmp_path / "volumes" / volume.strip("/")
        path.mkdir(parents=True)
        found[volume] = img.owned_by_image_user(image, path)
    return found


@pytest.fixture
def root(image: img.Image, volumes: dict[str, Path]) -> Iterator[Path]:
    with img.mounted(image, volumes) as mounted_root:
        yield mounted_root


def _start(root: Path, image: img.Image, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            img.in_image(root, image, image.command, env), stdout=out, stderr=subprocess.STDOUT
        )


def _healthcheck(root: Path, image: img.Image, port: int) -> int:
    """Runs the image's own HEALTHCHECK command; its exit status (0: healthy)."""
    kind, *argv = image.healthcheck
    assert kind == "CMD"
    env = {"CRYPTODESK_PORT": str(port)}
    return subprocess.run(img.in_image(root, image, argv, env), check=False, timeout=30).returncode


def test_image_is_configured_to_serve_as_a_non_root_user(image: img.Image) -> None:
    assert image.user == "10001:10001"
    assert image.command == ["cryptodesk", "serve"]
    assert image.volumes == ["/data", "/keys"]
    assert "8500/tcp" in image.config["ExposedPorts"]
    env = image.env
    assert env["CRYPTODESK_HOST"] == "0.0.0.0"
    assert env["CRYPTODESK_DATA_DIR"] == "/data"
    assert env["CRYPTODESK_VAULT_KEY_FILE"] == "/keys/master.key"  # not beside the ciphertext
    assert "CRYPTODESK_ACCESS_TOKEN" not in env and "CRYPTODESK_MASTER_KEY" not in env
    assert image.healthcheck[0] == "CMD" and "/api/v1/health" in image.healthcheck[-1]


async def test_image_serves_the_api_the_web_app_and_a_question_on_postgresql(
    image: img.Image,
    root: Path,
    volumes: dict[str, Path],
    fresh_database: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        **OFFLINE,
        "CRYPTODESK_PORT": str(port),
        "CRYPTODESK_ACCESS_TOKEN": TOKEN,
        "CRYPTODESK_DATABASE_URL": fresh_database,
    }
    log = tmp_path / "serve.log"
    proc = _start(root, image, log, env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log)
        assert _healthcheck(root, image, port) == 0

        page = httpx.get(f"{base}/", headers=BEARER)
        assert page.status_code == 200 and '<div id="root">' in page.text
        script = page.text.split('src="', 1)[1].split('"', 1)[0]
        assert httpx.get(f"{base}{script}", headers=BEARER).status_code == 200
        assert httpx.get(f"{base}/api/v1/conversations").status_code == 401  # token required

        ready = httpx.get(f"{base}/api/v1/health/ready", headers=BEARER).json()
        assert ready["database"] == {"ready": True, "detail": "postgresql"}

        # The offline analyst computes with TA-Lib and numpy; the PNG is drawn by matplotlib.
        async with connect(f"ws://127.0.0.1:{port}/ws/stream", additional_headers=BEARER) as ws:
            await recv(ws)
            await ws.send(chat("Analyze ETH on the 4h chart with RSI and MACD"))
            frames = await run_to_end(ws, timeout=120)
        check_run(frames, expect="completed")
        chart_id = next(f["chart_id"] for f in frames if f["type"] == "chart_generated")
        png = httpx.get(f"{base}/api/v1/charts/{chart_id}.png", headers=BEARER, timeout=60)
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    finally:
        stop(proc)
    output = log.read_text(errors="replace")
    assert "Application shutdown complete" in output, output
    assert _healthcheck(root, image, port) != 0
    assert TOKEN not in output


def test_image_refuses_to_serve_without_an_access_token(
    image: img.Image, root: Path, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    proc = _start(root, image, log, {**OFFLINE, "CRYPTODESK_PORT": str(free_port())})
    try:
        assert proc.wait(120) == 2
    finally:
        stop(proc)
    assert "CRYPTODESK_ACCESS_TOKEN" in log.read_text(errors="replace")
