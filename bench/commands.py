"""`cryptodesk ask` without a network: the wall time of the command, against replay.

Each run is a fresh process, as a user runs it: start-up, the store, the question, the report.
In the default `auto` mode CoinGecko is unreachable (a DNS failure: its URL points at an
`.invalid` host), so the process finds it down on its first request and answers from the demo
market; the baseline is the same question in replay mode. Exchange questions are left out: the
command cannot point ccxt elsewhere, and a benchmark never reaches the internet (section 7 times
them through the server). Target: within 1.5x of replay.

`uv run python -m bench.commands` runs this one alone.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.unreachable import coingecko_url

from bench.paths import REPO, replay_dir
from bench.report import Section, make_console, print_section

REPEATS = 3
TARGET_RATIO = 1.5
QUESTIONS = (
    ("price", "What is the price of Bitcoin?"),
    ("technical", "Analyze ETH on the 4h chart"),
)


def _env(mode: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYPTODESK_")}
    env |= {"CRYPTODESK_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    if mode == "replay":
        return env | {
            "CRYPTODESK_MARKET_DATA": "replay",
            "CRYPTODESK_REPLAY_DIR": str(replay_dir()),
        }
    return env | {
        "CRYPTODESK_MARKET_DATA": "auto",
        "CRYPTODESK_COINGECKO_BASE_URL": coingecko_url("dns"),
    }


def _ask_s(mode: str, question: str) -> float:
    """The median wall time of `cryptodesk ask` (one fresh data directory, reused)."""
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cryptodesk-bench-") as tmp:
        env = _env(mode, Path(tmp))
        command = [sys.executable, "-m", "cryptodesk", "ask", question]
        subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=True)  # migrate
        for _ in range(REPEATS):
            started = time.perf_counter()
            subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure() -> Section:
    section = Section(
        "8. ask offline",
        "8. `cryptodesk ask` wall time, CoinGecko unreachable (auto) vs replay",
        ("question", "replay s", "auto, network down s", "x replay"),
    )
    worst = 0.0
    for kind, question in QUESTIONS:
        replay = _ask_s("replay", question)
        down = _ask_s("auto", question)
        worst = max(worst, down / replay)
        section.row(kind, f"{replay:.2f}", f"{down:.2f}", f"{down / replay:.2f}")
    section.notes.append(
        f"median of {REPEATS} runs, each a new process on a migrated data directory; "
        "down: a DNS failure on an .invalid CoinGecko host"
    )
    section.check(
        f"ask down <= {TARGET_RATIO:g}x replay", f"worst {worst:.2f}x", worst <= TARGET_RATIO
    )
    return section


if __name__ == "__main__":
    print_section(make_console(), measure())
