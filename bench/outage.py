"""Answers without a network: time to the `result` frame per question kind, against replay.

Each question kind (price, technical, comparison, market, exchange) gets fresh servers (the real
app under uvicorn, a real WebSocket client): one in replay mode with the offline Bitget answering
(the baseline), and one per way of being offline in the default `auto` mode, where CoinGecko,
the exchange (ccxt's real Bitget) are configured but unreachable: a connection refused on a
closed loopback port, and a DNS failure on an `.invalid` host. On each server the first question
(which finds the upstreams down) is timed apart from the following ones (answered while the
circuits are open). Targets: the following ones within 2x of replay; an unreachable exchange
answered within 1 s.

`uv run python -m bench.outage` runs this one alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.market.fake_coingecko import market_settings
from tests.offline_bitget import Script, offline_exchange
from tests.runtime.client import chat, connect, recv
from tests.unreachable import FAILURES, coingecko_url, unreachable_exchange

from bench.paths import replay_dir
from bench.report import Section, make_console, percentile, print_section
from bench.server import running
from cryptodesk.app import create_app
from cryptodesk.config import Settings
from cryptodesk.market.exchange_service import ExchangeService

Mode = Literal["replay", "refused", "dns"]
MODES: tuple[Mode, ...] = ("replay", *FAILURES)
FOLLOWING = 12
TARGET_RATIO = 2.0
TARGET_EXCHANGE_MS = 1000.0

QUESTIONS: dict[str, tuple[str, ...]] = {
    "price": (
        "What is the price of Bitcoin?",
        "How much is SOL worth right now?",
        "What's the 24h change of XRP?",
    ),
    "technical": (
        "Analyze ETH on the 4h chart with RSI and MACD",
        "What are the support and resistance levels for LINK?",
        "Analyze BTC on the 1h chart",
    ),
    "comparison": ("Compare SOL and AVAX this month", "Compare BTC vs ETH this week"),
    "market": ("Give me a market overview", "How is the crypto market doing today?"),
    "exchange": (
        "Show the BTC order book and funding rate",
        "ETH order book and spread",
        "SOL funding rate and open interest",
    ),
}


@dataclass(frozen=True, slots=True)
class Timing:
    first_ms: float
    following_ms: tuple[float, ...]
    statuses: tuple[str, ...]

    @property
    def p50(self) -> float:
        return percentile(self.following_ms, 50)


def _settings(mode: Mode, data_dir: Path) -> tuple[Settings, ExchangeService]:
    if mode == "replay":
        settings = Settings(
            data_dir=data_dir,
            market_data="replay",
            replay_dir=replay_dir(),
            log_level="WARNING",
            _env_file=None,  # type: ignore[call-arg]
        )
        return settings, offline_exchange(Script())
    settings = market_settings(
        coingecko_url(mode),
        "auto",
        data_dir=data_dir,
        log_level="WARNING",
        # The defaults a user has: an unreachable host must not be retried anyway.
        retry_max_attempts=4,
        retry_max_wait_s=30.0,
        coingecko_rate_per_minute=None,
    )
    return settings, unreachable_exchange(mode, settings)


async def _to_result(url: str, question: str) -> tuple[float, str]:
    """Milliseconds from sending the question to its `result` frame, and the run's status."""
    async with connect(url) as ws:
        await recv(ws)  # connected
        started = time.perf_counter()
        await ws.send(chat(question))
        elapsed: float | None = None
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if frame.get("type") == "result" and elapsed is None:
                elapsed = (time.perf_counter() - started) * 1000
            if frame.get("type") == "status" and frame.get("final"):
                status = str(frame.get("status"))
                return (elapsed if elapsed is not None else float("nan")), status


def _measure(mode: Mode, kind: str) -> Timing:
    questions = QUESTIONS[kind]
    with tempfile.TemporaryDirectory(prefix="cryptodesk-bench-") as tmp:
        settings, exchange = _settings(mode, Path(tmp))
        with running(create_app(settings, exchange=exchange)) as server:

            async def ask_all() -> list[tuple[float, str]]:
                asked = [questions[i % len(questions)] for i in range(FOLLOWING + 1)]
                return [await _to_result(server.ws, q) for q in asked]

            timed = asyncio.run(ask_all())
    return Timing(
        first_ms=timed[0][0],
        following_ms=tuple(ms for ms, _ in timed[1:]),
        statuses=tuple(status for _, status in timed),
    )


def _ccxt_import_ms() -> float:
    code = "import time; t = time.perf_counter(); import ccxt.async_support; "
    code += "print((time.perf_counter() - t) * 1000)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def measure() -> Section:
    # The circuits log each upstream found down: expected here, and noise in the tables.
    log = logging.getLogger("cryptodesk")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        timings = {(mode, kind): _measure(mode, kind) for kind in QUESTIONS for mode in MODES}
    finally:
        log.setLevel(level)
    return _section(timings)


def _section(timings: dict[tuple[Mode, str], Timing]) -> Section:
    section = Section(
        "7. network down",
        "7. Time to the result with the network down (auto mode) vs replay, through the server",
        (
            "kind",
            "replay first ms",
            "replay next p50",
            "refused first ms",
            "refused next p50",
            "x replay",
            "dns first ms",
            "dns next p50",
            "x replay",
        ),
    )
    worst: float = 0.0
    exchange_ms: list[float] = []
    for kind in QUESTIONS:
        base = timings[("replay", kind)]
        cells: list[str] = [kind, f"{base.first_ms:.0f}", f"{base.p50:.0f}"]
        for mode in FAILURES:
            down = timings[(mode, kind)]
            ratio = down.p50 / base.p50
            worst = max(worst, ratio)
            cells += [f"{down.first_ms:.0f}", f"{down.p50:.0f}", f"{ratio:.2f}"]
            if kind == "exchange":
                exchange_ms += [down.first_ms, *down.following_ms]
        section.row(*cells)
    statuses = {s for timing in timings.values() for s in timing.statuses}
    section.notes += [
        f"each cell: a fresh server; 'first' is its first question, 'next p50' the median of "
        f"the {FOLLOWING} questions after it (the kind's questions in turn)",
        "down: CoinGecko and ccxt's real Bitget unreachable (a closed loopback port; a DNS "
        "failure on an .invalid host); replay: CSV candles and the offline Bitget answering",
        "ccxt is imported before the timing starts (the benchmark builds the exchange); a "
        "fresh server pays that import once, on its first exchange question: "
        f"{_ccxt_import_ms():.0f} ms measured now in a new process",
        f"run statuses: {', '.join(sorted(statuses))}",
    ]
    section.check(
        f"following questions down <= {TARGET_RATIO:g}x replay",
        f"worst {worst:.2f}x",
        worst <= TARGET_RATIO,
    )
    slowest = max(exchange_ms)
    section.check(
        f"unreachable exchange answered < {TARGET_EXCHANGE_MS:.0f} ms",
        f"slowest {slowest:.0f} ms",
        slowest < TARGET_EXCHANGE_MS,
    )
    return section


if __name__ == "__main__":
    print_section(make_console(), measure())
