"""`cryptodesk serve` as separate processes, the way a deployment runs its replicas."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.runtime.server import REPO, free_port

TOKEN = "deploy-test-token-0123456789"


def serve_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of one replica: its own data directory and key file, no network."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CRYPTODESK_") and key != "FORWARDED_ALLOW_IPS"
    }
    return {
        **env,
        "CRYPTODESK_DATA_DIR": str(data_dir),
        "CRYPTODESK_DATABASE_URL": database_url,
        "CRYPTODESK_VAULT_KEYRING": "false",
        "CRYPTODESK_VAULT_KEY_FILE": str(data_dir.parent / f"{data_dir.name}.key"),
        "CRYPTODESK_MARKET_DATA": "demo",
        "CRYPTODESK_ENGINE": "offline",
        **extra,
    }


class ServeProcess:
    """One `cryptodesk serve` on a free loopback port; its output goes to a log file."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log_path = workdir / f"serve-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cryptodesk", "serve", "--port", str(self.port)],
            cwd=workdir,  # no .env of the repository
            env={**env, "PYTHONPATH": str(REPO / "src")},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self) -> None:
        wait_healthy(self.http, self.proc, self.log_path)

    def stop(self) -> None:
        stop(self.proc)
        self._log.close()


def wait_healthy(
    base_url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 120
) -> None:
    """Waits for `GET /api/v1/health` to answer 200; fails with the log if `proc` exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = log_path.read_text(errors="replace")
            raise AssertionError(f"serve exited with {proc.returncode}:\n{log}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve did not become healthy:\n{log_path.read_text(errors='replace')}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful shutdown, as `docker stop` sends), then SIGKILL after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
