"""Log records held back while `cryptodesk ask` shows a run live, and printed after it.

A warning logged in the middle of the live view (CoinGecko found unreachable, a retry) would
land between two steps, or inside a line of streamed text. While the view runs, the root logger's
handlers are replaced by a `LogBuffer`; afterwards the held records are printed once, repeated
ones counted, below the report.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.text import Text


class LogBuffer(logging.Handler):
    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.lines: Counter[str] = Counter()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines[self.format(record)] += 1

    def print(self, console: Console) -> None:
        if not self.lines:
            return
        total = sum(self.lines.values())
        console.print(Text(f"Logged during the run ({total}):", style="dim"))
        for line, count in self.lines.items():
            repeated = f" (×{count})" if count > 1 else ""
            console.print(Text(f"  {line}{repeated}", style="dim"))


@contextmanager
def held_logs(console: Console, level: int = logging.WARNING) -> Iterator[LogBuffer]:
    """Holds every record of `level` and above until the block ends, then prints them."""
    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    buffer = LogBuffer(level)
    root.handlers = [buffer]
    root.setLevel(level)
    try:
        yield buffer
    finally:
        root.handlers = handlers
        root.setLevel(root_level)
        buffer.print(console)
