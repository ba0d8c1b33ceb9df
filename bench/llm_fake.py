"""The loopback fake LLM in a process of its own, and the LLM team pointed at it, as the
benchmarks of the team use them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from tests.fakes import MemoryChartStore
from tests.runtime.server import free_port

from bench.paths import REPO, replay_dir
from cryptodesk.config import Settings
from cryptodesk.engines.magentic.engine import MagenticEngine
from cryptodesk.engines.magentic.target import configured_target
from cryptodesk.engines.magentic.usage import PriceTable
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.market.replay import ReplayProvider
from cryptodesk.market.service import MarketDataService

MODEL = "gpt-4o-mini"
"""The model the fake answers as: priced by the built-in table, so costs are known."""


@contextmanager
def fake_server(delay_s: float, scenario: str = "team") -> Iterator[str]:
    """The fake in its own process, so its work never competes with the team's loop."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.engines.magentic.fake_llm",
            str(port),
            str(delay_s),
            scenario,
        ],
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/v1/models", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fake LLM server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def reset(url: str) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(f"{url}/_reset")


async def stats(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/_stats")
    body: dict[str, Any] = response.json()
    return body


@contextmanager
def team_engine(url: str, **settings: Any) -> Iterator[MagenticEngine]:
    """The engine as `cryptodesk serve` builds it from settings pointed at the fake
    (`settings`: `llm_parallel`, `llm_stall_timeout_s`, ...). Close it with `aclose()`."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Settings(
            data_dir=Path(tmp),
            market_data="replay",
            replay_dir=replay_dir(),
            llm_provider="openai-compatible",
            llm_base_url=f"{url}/v1",
            llm_model=MODEL,
            llm_max_retries=0,
            log_level="WARNING",
            _env_file=None,  # type: ignore[call-arg]
            **settings,
        )
        target = configured_target(config)
        assert target is not None
        market = MarketDataService(ReplayProvider(replay_dir()), "replay", "bench replay")
        charts = MemoryChartStore()
        yield MagenticEngine(
            target,
            market=market,
            charts=charts,
            fallback=OfflineAnalyst(market, charts, 30.0),
            tool_timeout_s=30.0,
            history_tokens=config.llm_history_tokens,
            prices=PriceTable.build({}, free=False),
            stall_timeout_s=config.llm_stall_timeout_s,
            parallel=config.llm_parallel,
        )
