"""The offline analyst's markdown report. Every number in it comes from a tool result.

The sections live in `sections/` (market, technical, exchange); this module orders them and adds
the title, the data labels' warnings, the missing data and the footer.
"""

from __future__ import annotations

from cryptodesk.engines.offline.findings import Failure, Findings
from cryptodesk.engines.offline.intent import Intent
from cryptodesk.engines.offline.sections import exchange, market, technical

__all__ = [
    "FALLBACK_WARNING",
    "REPLAY_WARNING",
    "SIMULATED_WARNING",
    "STALE_WARNING",
    "Failure",
    "Findings",
    "ask_for_coin",
    "render_report",
]

SIMULATED_WARNING = "> ⚠️ Simulated demo data — not real market prices."
REPLAY_WARNING = (
    "> ⏪ Replayed historical data — not live prices: “now” is the end of the replayed files."
)
FALLBACK_WARNING = (
    "> ⚠️ Live source unreachable: simulated demo data shown (the built-in demo market stands in "
    "until the live source answers again)."
)
STALE_WARNING = "> ⏳ Some values are stale: "
FOOTER = (
    "_Written by the offline analyst (rule-based, no LLM). To let the LLM agent team answer, set "
    "`CRYPTODESK_LLM_PROVIDER`, `CRYPTODESK_LLM_MODEL` and `CRYPTODESK_LLM_API_KEY` "
    "(or run Ollama locally and set `CRYPTODESK_LLM_PROVIDER=ollama`)._"
)


def _title(intent: Intent, findings: Findings) -> str:
    names = [f"{c.name} ({c.symbol})" for c in intent.coins] + list(intent.unknown_coins)
    subject = " vs ".join(names) if intent.comparison else ", ".join(names)
    if intent.overview and not names:
        return "# Crypto market overview"
    if not names:
        return "# Exchange account"
    kind = "technical analysis" if intent.technical else "comparison" if intent.comparison else ""
    kind = kind or ("chart" if intent.chart else "")
    if kind:
        return f"# {subject}: {kind} ({intent.timeframe})"
    if intent.exchange:
        return f"# {subject}: order book and funding"
    return f"# {subject}: price"


def _warnings(findings: Findings) -> list[str]:
    lines: list[str] = []
    if findings.simulated:
        lines += [SIMULATED_WARNING, ""]
    if findings.fallback:
        lines += [FALLBACK_WARNING, ""]
    if findings.replayed:
        lines += [REPLAY_WARNING, ""]
    stale = findings.stale()
    if stale:
        values = ", ".join(
            f"{f.what} (age {f.age_s:.0f} s)" if f.age_s is not None else f.what for f in stale
        )
        lines += [
            f"{STALE_WARNING}{values}; the live source failed, so the last values fetched are "
            "shown.",
            "",
        ]
    return lines


def _missing(findings: Findings) -> list[str]:
    if not (findings.failures or findings.notes):
        return []
    lines = ["## Missing data", ""]
    lines += [
        f"- {f.agent} could not run `{f.tool}` for {f.subject}: {f.error}"
        for f in findings.failures
    ]
    lines += [f"- {note}" for note in findings.notes]
    return [*lines, ""]


def render_report(intent: Intent, findings: Findings) -> str:
    lines = [_title(intent, findings), ""]
    lines += _warnings(findings)
    lines += market.summary(findings)
    if findings.overview is not None:
        lines += market.overview(findings.overview)
    if findings.overview_unavailable is not None:
        lines += market.overview_unavailable(findings.overview_unavailable, findings)
    if findings.trending is not None:
        lines += market.trending(findings.trending)
    lines += market.prices(findings)
    if findings.comparison is not None:
        lines += market.comparison(findings.comparison)
    lines += technical.technical(findings)
    lines += exchange.exchange(findings)
    lines += market.charts(findings)
    lines += _missing(findings)
    lines += market.data(findings)
    lines += ["---", "", FOOTER, ""]
    return "\n".join(lines)


def ask_for_coin(available: tuple[str, ...]) -> str:
    listed = ", ".join(available) if available else "none (no market data is configured)"
    return "\n".join(
        [
            "# Which coin?",
            "",
            "I could not tell which coin the question is about. Name one or more coins by "
            "symbol or name, e.g. “Analyze ETH on the 4h chart”, “Compare SOL and AVAX this "
            "month” or “What is the price of Bitcoin?”.",
            "",
            f"Coins available from the current market data source: {listed}.",
            "",
            "---",
            "",
            FOOTER,
            "",
        ]
    )
