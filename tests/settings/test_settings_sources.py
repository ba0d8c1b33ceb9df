"""Where each setting's value comes from: saved here, the environment, or the default; also when
`cryptodesk serve --port` rebuilt the settings (it used to report every default as environment)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cryptodesk.config import Settings
from tests.runtime.server import free_port


def test_settings_with_changes_keeps_defaults_apart_from_given_values() -> None:
    given = Settings(_env_file=None, max_turns=9)  # type: ignore[call-arg]
    changed = given.with_changes(port=8600)
    assert changed.model_fields_set == {"max_turns", "port"}
    assert (changed.max_turns, changed.port) == (9, 8600)
    assert changed.tool_timeout_s == Settings.model_fields["tool_timeout_s"].default
    assert changed.data_dir == given.data_dir


def test_settings_with_changes_validates_the_changes() -> None:
    with pytest.raises(ValueError, match="less than or equal to 65535"):
        Settings(_env_file=None).with_changes(port=70_000)  # type: ignore[call-arg]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`cryptodesk serve --port P` as a user runs it, with one setting in the environment."""
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "CRYPTODESK_DATA_DIR": str(tmp_path / "data"),
        "CRYPTODESK_VAULT_KEY_FILE": str(tmp_path / "master.key"),
        "CRYPTODESK_VAULT_KEYRING": "false",
        "CRYPTODESK_MARKET_DATA": "demo",
        "CRYPTODESK_ENGINE": "offline",
        "CRYPTODESK_MAX_TURNS": "9",
        "CRYPTODESK_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cryptodesk", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve exited: {log.read_text()}")
            try:
                httpx.get(f"{base}/api/v1/health", timeout=2).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("serve did not answer within 60 s")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_with_a_port_reports_defaults_environment_and_saved_values(served: str) -> None:
    sources = httpx.get(f"{served}/api/v1/settings", timeout=10).json()["sources"]
    assert sources["max_turns"] == "env"
    assert sources["market_data"] == "env" and sources["engine"] == "env"
    defaults = {name for name, source in sources.items() if source == "default"}
    assert {"tool_timeout_s", "run_timeout_s", "coingecko_plan", "llm_provider"} <= defaults
    assert set(sources) - defaults == {"max_turns", "market_data", "engine"}

    saved = httpx.put(f"{served}/api/v1/settings", json={"tool_timeout_s": 12.5}, timeout=10)
    assert saved.status_code == 200, saved.text
    assert saved.json()["sources"]["tool_timeout_s"] == "store"
    assert saved.json()["sources"]["run_timeout_s"] == "default"
