from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cryptodesk.market.demo import DemoProvider
from cryptodesk.market.replay import ReplayProvider

FIXED_NOW = datetime(2026, 5, 1, 12, 34, 56, tzinfo=UTC)


def fixed_clock(now: datetime = FIXED_NOW) -> Callable[[], datetime]:
    return lambda: now


@pytest.fixture
def replay(shared_market_dir: Path) -> ReplayProvider:
    return ReplayProvider(shared_market_dir / "binance_spot_1h")


@pytest.fixture
def demo() -> DemoProvider:
    return DemoProvider(7, clock=fixed_clock())
