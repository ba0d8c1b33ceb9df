"""`uv run python -m bench`: every benchmark in turn, one table each, then the summary.

Timings are printed against their targets, never asserted. The exit status is non-zero only
when a benchmark could not run.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable

from bench import (
    commands,
    fanout,
    llm_paths,
    llm_team,
    market,
    memory,
    offline_analyst,
    outage,
    record,
    replicas,
    watch,
    webapp,
)
from bench.report import Section, make_console, print_section, print_summary

BENCHMARKS: tuple[tuple[str, Callable[[], Section]], ...] = (
    ("1. offline analyst", lambda: asyncio.run(offline_analyst.measure())),
    ("2. fan-out", fanout.measure),
    ("3. server memory", memory.measure),
    ("4. market", market.measure),
    ("5. web app", webapp.measure),
    ("6. LLM team", lambda: asyncio.run(llm_team.measure())),
    ("7. LLM team before/after", lambda: asyncio.run(llm_paths.measure())),
    ("8. network down", outage.measure),
    ("9. ask offline", commands.measure),
    ("10. track record", lambda: asyncio.run(record.measure())),
    ("11. watcher", watch.measure),
    ("12. replicas", replicas.measure),
)


def main() -> int:
    console = make_console()
    load = os.getloadavg()
    console.print(
        f"CryptoDesk benchmarks: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min)\n"
    )
    if load[0] > 0.5:
        console.print("[yellow]The machine is busy: wall-clock timings will be inflated.[/]\n")
    sections: list[Section] = []
    crashed: list[str] = []
    started = time.perf_counter()
    for title, run in BENCHMARKS:
        began = time.perf_counter()
        try:
            section = run()
        except Exception:
            console.print(f"[red]{title} failed:[/]\n{traceback.format_exc()}")
            crashed.append(title)
            continue
        section.notes.append(f"benchmark wall time {time.perf_counter() - began:.1f} s")
        print_section(console, section)
        sections.append(section)
    print_summary(console, sections, crashed)
    console.print(f"total {time.perf_counter() - started:.1f} s")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
