"""Fixtures shared by the whole test tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared import shared_market_path


@pytest.fixture(scope="session")
def shared_market_dir() -> Path:
    """shared/data/market beside the repository, or under CRYPTODESK_SHARED_DIR."""
    return shared_market_path()
