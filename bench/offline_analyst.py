"""Latency of the offline analyst on replayed candles: `uv run python bench/offline_analyst.py`.

Target: p50 well under 300 ms for a technical question (first run includes parsing the CSVs).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService
from cryptodesk.runs.events import DomainEvent

QUESTIONS = (
    "Analyze ETH on the 4h chart",
    "Compare SOL, AVAX and LINK this month",
    "What is the price of Bitcoin?",
)


class _Sink:
    async def emit(self, event: DomainEvent) -> None:
        return None


class _Charts:
    async def save_chart(self, **_: Any) -> str:
        return "chart"


async def main(replay_dir: Path, rounds: int = 50) -> None:
    market = MarketDataService(ReplayProvider(replay_dir), "replay", "bench")
    engine = OfflineAnalyst(market, _Charts(), 30.0)
    for question in QUESTIONS:
        timings = []
        for i in range(rounds):
            started = time.perf_counter()
            await engine.run(RunRequest(f"run-{i}", "conv", question, (), 15), _Sink())
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{question!r}: first {timings[0]:.1f} ms, p50 {statistics.median(timings):.1f} ms, "
            f"max {max(timings):.1f} ms"
        )


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "market" / "binance_spot_1h"
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default))
