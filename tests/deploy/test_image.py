"""The container image: built from the Dockerfile (on a base made from Debian packages), then
started once from its own configuration, answering health, the web app and a question.

Building takes 4-5 minutes on a machine that has neither the base image nor Podman's layer
cache, under a minute when only CryptoDesk's source changed: deploy/build-image.sh keeps the
base image and Podman the layers between runs.
"""

from __future__ import annotations

import stat
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
def mounted(image: img.Image, volumes: dict[str, Path]) -> Iterator[img.Mounted]:
    with img.mounted(image, volumes) as found:
        yield found


def _start(mounted: img.Mounted, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            mounted.command(mounted.image.command, env), stdout=out, stderr=subprocess.STDOUT
        )


def _healthcheck(mounted: img.Mounted, port: int) -> int:
    """Runs the image's own HEALTHCHECK command; its exit status (0: healthy)."""
    kind, *argv = mounted.image.healthcheck
    assert kind == "CMD"
    command = mounted.command(argv, {"CRYPTODESK_PORT": str(port)})
    return subprocess.run(command, check=False, timeout=30).returncode


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
    mounted: img.Mounted,
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
    proc = _start(mounted, log, env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log)
        assert _healthcheck(mounted, port) == 0

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

        # A secret goes to the vault in /data, under a key generated in /keys (no
        # CRYPTODESK_MASTER_KEY given): each in its volume, neither readable by others.
        secret = "cg-image-test-secret-value"
        stored = httpx.put(
            f"{base}/api/v1/settings/secrets/coingecko_api_key",
            headers=BEARER,
            json={"value": secret},
        )
        assert stored.is_success, stored.text
    finally:
        stop(proc)
    output = log.read_text(errors="replace")
    assert "Application shutdown complete" in output, output
    vault, key = volumes["/data"] / "secrets.json", volumes["/keys"] / "master.key"
    assert vault.is_file() and secret not in vault.read_text()
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert secret not in output
    assert _healthcheck(mounted, port) != 0
    assert TOKEN not in output


def test_image_refuses_to_serve_without_an_access_token(
    mounted: img.Mounted, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    proc = _start(mounted, log, {**OFFLINE, "CRYPTODESK_PORT": str(free_port())})
    try:
        assert proc.wait(120) == 2
    finally:
        stop(proc)
    assert "CRYPTODESK_ACCESS_TOKEN" in log.read_text(errors="replace")
