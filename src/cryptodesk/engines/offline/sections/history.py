"""Report section of the price history tool: a coin's price path over a past window."""

from __future__ import annotations

from cryptodesk.domain import format as fmt
from cryptodesk.engines.offline.sections.common import table
from cryptodesk.tools.history import HistoryResult


def history(h: HistoryResult) -> list[str]:
    out = [f"## Price history: {h.symbol}, {fmt.day(h.start)} to {fmt.day(h.end)}", ""]
    out.append(
        f"{fmt.price(h.first)} → {fmt.price(h.last)} ({fmt.pct(h.change_pct)}); high "
        f"{fmt.price(h.high.price)} on {fmt.when(h.high.time)}, low {fmt.price(h.low.price)} on "
        f"{fmt.when(h.low.time)}; max drawdown {fmt.pct(h.max_drawdown_pct)} ({h.samples} prices "
        f"from {h.source})."
    )
    out.append("")
    rows = [(fmt.when(p.time), fmt.price(p.price), fmt.pct(p.change_pct)) for p in h.path]
    return out + table(("Time", "Price (USD)", "From start"), rows)
