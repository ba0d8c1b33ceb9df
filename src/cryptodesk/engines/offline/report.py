"""The offline analyst's markdown report. Every number in it comes from a tool result.

It opens with the bottom line (the answer to the question as asked), then one line that merges
every label of the data (simulated, replay, fallback, stale, lagging), then the title and the
sections (`sections/`), the missing data, the data table and the footer.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import AnswerKind, Outlook
from cryptodesk.engines.offline.bottomline import bottom_line
from cryptodesk.engines.offline.findings import Failure, Findings
from cryptodesk.engines.offline.intent import Intent
from cryptodesk.engines.offline.resolve import Unresolved
from cryptodesk.engines.offline.sections import exchange, history, market, outlook, technical

__all__ = [
    "FALLBACK_LABEL",
    "REPLAY_LABEL",
    "SIMULATED_LABEL",
    "Failure",
    "Findings",
    "Written",
    "ask_for_coin",
    "clarify",
    "write_report",
]

SIMULATED_LABEL = "⚠️ Simulated demo data, not real market prices"
REPLAY_LABEL = "⏪ Replayed historical data, not live prices (“now” is the end of the files)"
FALLBACK_LABEL = "⚠️ Live source unreachable: simulated demo data stands in until it answers again"
STALE_LABEL = "⏳ Stale (the live source failed, the last values fetched are shown): "
LAGGING_LABEL = "⏳ Stale relative to the rest: "
FOOTER = (
    "_Written by the offline analyst (rule-based, no LLM). To let the LLM agent team answer, set "
    "`CRYPTODESK_LLM_PROVIDER`, `CRYPTODESK_LLM_MODEL` and `CRYPTODESK_LLM_API_KEY` "
    "(or run Ollama locally and set `CRYPTODESK_LLM_PROVIDER=ollama`)._"
)


@dataclass(frozen=True, slots=True)
class Written:
    """A report and what the `result` frame carries besides it."""

    content: str
    bottom_line: str
    answer_kind: AnswerKind
    outlook: tuple[Outlook, ...]


def _title(intent: Intent) -> str:
    names = [f"{c.name} ({c.symbol})" for c in intent.coins]
    subject = " vs ".join(names) if intent.comparison else ", ".join(names)
    if intent.overview and not names:
        return "# Crypto market overview"
    if not names:
        return "# Exchange account"
    kinds = (
        (
            intent.history is not None,
            f"price history ({intent.history.label})" if intent.history else "",
        ),
        (intent.news, "what the market data shows"),
        (intent.decision, f"outlook and scenarios ({intent.timeframe})"),
        (bool(intent.extremes), f"{intent.extremes}? ({intent.timeframe})"),
        (intent.levels, f"support and resistance ({intent.timeframe})"),
        (intent.technical, f"technical analysis ({intent.timeframe})"),
        (intent.comparison, f"comparison ({intent.period}, {intent.timeframe})"),
        (intent.performance, f"performance ({intent.period})"),
        (intent.chart, f"chart ({intent.timeframe})"),
        (intent.exchange, "order book and funding"),
    )
    kind = next((text for asked, text in kinds if asked), "price")
    return f"# {subject}: {kind}"


def labels_line(findings: Findings) -> list[str]:
    """Every label of the data in one line (never a stack of banners)."""
    parts: list[str] = []
    if findings.fallback:
        parts.append(FALLBACK_LABEL)
    elif findings.simulated:
        parts.append(SIMULATED_LABEL)
    if findings.replayed:
        parts.append(REPLAY_LABEL)
    stale = findings.stale()
    if stale:
        parts.append(
            STALE_LABEL
            + ", ".join(
                f"{f.what} ({f.age_s:.0f} s old)" if f.age_s is not None else f.what for f in stale
            )
        )
    lagging = findings.lagging()
    if lagging:
        parts.append(
            LAGGING_LABEL
            + ", ".join(
                f"{lag.what} data ends {fmt.duration(lag.behind_s)} earlier" for lag in lagging
            )
        )
    if findings.overview_unavailable is not None:
        instead = " (the largest coins' prices instead)" if findings.prices else ""
        parts.append(f"ℹ️ No market overview{instead}: {findings.overview_unavailable.rstrip('.')}")
    return [f"> {' · '.join(parts)}", ""] if parts else []


def _missing(findings: Findings) -> list[str]:
    if not (findings.failures or findings.notes or findings.unresolved):
        return []
    lines = ["## Missing data", ""]
    lines += [
        f"- {f.agent} could not run `{f.tool}` for {f.subject}: {f.error}"
        for f in findings.failures
    ]
    lines += [f"- {u.reason}" for u in findings.unresolved]
    lines += [f"- {note}" for note in findings.notes]
    return [*lines, ""]


def write_report(intent: Intent, findings: Findings) -> Written:
    line = bottom_line(intent, findings)
    lines = [line.text, ""]
    lines += labels_line(findings)
    lines += [_title(intent), ""]
    if findings.overview is not None:
        lines += market.overview(findings.overview)
    elif intent.overview and findings.prices:
        lines += market.price_list(findings)
    if findings.trending is not None:
        lines += market.trending(findings.trending)
    lines += market.prices(findings)
    for found in findings.histories:
        lines += history.history(found)
    if findings.comparison is not None:
        lines += market.comparison(findings.comparison)
    lines += outlook.outlooks(findings.outlooks)
    lines += technical.technical(findings)
    lines += exchange.exchange(findings)
    lines += market.charts(findings)
    lines += _missing(findings)
    lines += market.data(findings)
    lines += ["---", "", FOOTER, ""]
    return Written("\n".join(lines), line.text, line.kind, findings.outlook)


def _closing() -> list[str]:
    return ["---", "", FOOTER, ""]


def ask_for_coin(available: tuple[str, ...]) -> Written:
    listed = ", ".join(available) if available else "none (no market data is configured)"
    line = (
        "Which coin do you mean? I could not tell which coin the question is about; name one "
        "or more by symbol or name."
    )
    content = [
        line,
        "",
        "# Which coin?",
        "",
        "For example “Analyze ETH on the 4h chart”, “Compare SOL and AVAX this month” or "
        "“What is the price of Bitcoin?”.",
        "",
        f"Coins available from the current market data source: {listed}.",
        "",
        *_closing(),
    ]
    return Written("\n".join(content), line, "clarification", ())


def clarify(
    intent: Intent, unresolved: tuple[Unresolved, ...], available: tuple[str, ...]
) -> Written:
    """The answer to a question about coins the source does not know: once, with the closest
    matches, and `cannot_answer` when it asked about history the source cannot cover."""
    parts = []
    for u in unresolved:
        matches = f" Did you mean {' or '.join(u.matches)}?" if u.matches else ""
        parts.append(f"{u.reason[:1].upper()}{u.reason[1:]}.{matches}")
    line = " ".join(parts)
    kind: AnswerKind = "clarification"
    if intent.history is not None:
        line += (
            f" So I can't show its price in {intent.history.label}; I can show the history of a "
            "coin the source has, when its data covers the dates."
        )
        kind = "cannot_answer"
    listed = ", ".join(available) if available else "none"
    content = [
        line,
        "",
        "# Which coin?",
        "",
        f"Coins available from the current market data source: {listed}.",
        "",
        *_closing(),
    ]
    return Written("\n".join(content), line, kind, ())
