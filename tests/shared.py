"""Where the shared test data lives: ../shared beside the repository (or CRYPTODESK_SHARED_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_path() -> Path:
    override = os.environ.get("CRYPTODESK_SHARED_DIR")
    path = Path(override) if override else REPO.parent / "shared"
    if not (path / "data" / "market").is_dir():
        raise RuntimeError(f"shared test data not found at {path}; set CRYPTODESK_SHARED_DIR")
    return path


def shared_market_path() -> Path:
    return shared_path() / "data" / "market"
