"""SQLite stays single-replica and says so: a second process that would serve (or run questions
on) the same SQLite file is refused with a clear message, and the first one keeps serving."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cryptodesk.config import Settings
from cryptodesk.desk import Desk
from cryptodesk.errors import DatabaseInUseError
from tests.deploy.servers import ServeProcess, serve_env
from tests.runtime.server import REPO

IN_USE = "another CryptoDesk server is using it"


def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        market_data="demo",
        engine="offline",
        vault_keyring=False,
        _env_file=None,  # type: ignore[call-arg]
    )


async def test_serving_lock_second_desk_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    first = await Desk.open(_settings(tmp_path / "data"))
    try:
        with pytest.raises(DatabaseInUseError, match=IN_USE) as refused:
            await Desk.open(_settings(tmp_path / "data"))
        assert "PostgreSQL" in refused.value.message
        other = await Desk.open(_settings(tmp_path / "elsewhere"))  # another file is fine
        await other.close()
    finally:
        await first.close()
    again = await Desk.open(_settings(tmp_path / "data"))  # the lock went with the first
    await again.close()


def test_serve_refuses_a_second_server_on_one_sqlite_file(tmp_path: Path) -> None:
    env = serve_env(tmp_path / "data", f"sqlite+aiosqlite:///{tmp_path / 'data' / 'cd.db'}")
    first = ServeProcess(tmp_path, env)
    try:
        first.wait_healthy()
        second = subprocess.run(
            [sys.executable, "-m", "cryptodesk", "serve", "--port", "1"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(REPO / "src")},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 1
        assert IN_USE in second.stderr and "Traceback" not in second.stderr
        assert httpx.get(f"{first.http}/api/v1/health/ready").status_code == 200
        asked = subprocess.run(
            [sys.executable, "-m", "cryptodesk", "ask", "What is the price of Bitcoin?"],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(REPO / "src")},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert asked.returncode == 1
        assert IN_USE in asked.stderr and "--server" in asked.stderr
    finally:
        first.stop()
