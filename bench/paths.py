"""Where the repository and the shared data live (../shared, or CRYPTODESK_SHARED_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    override = os.environ.get("CRYPTODESK_SHARED_DIR")
    path = Path(override) if override else REPO.parent / "shared"
    if not (path / "data" / "market").is_dir():
        raise RuntimeError(f"shared data not found at {path}; set CRYPTODESK_SHARED_DIR")
    return path


def replay_dir() -> Path:
    return shared_dir() / "data" / "market" / "binance_spot_1h"
