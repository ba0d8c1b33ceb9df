"""Vault fixtures: settings whose key file lives in the test's own config directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cryptodesk.config import Settings


def vault_settings(tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "vault_key_file": tmp_path / "config" / "master.key",
        "vault_keyring": False,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return vault_settings(tmp_path)
