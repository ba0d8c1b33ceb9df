"""The ReportWriter 📝: the final markdown report, every number taken from a tool result."""

from __future__ import annotations

from collections.abc import Sequence

from cryptodesk.engines.magentic.agentspec import AgentSpec
from cryptodesk.engines.magentic.evidence import Evidence

SPEC = AgentSpec(
    name="ReportWriter",
    description="Writes the final markdown report from the team's tool results.",
    instructions=(
        "You are the ReportWriter of a crypto research desk. Write a concise markdown report "
        "that answers the user's request. Open with the bottom line when you are given one, "
        "word for word; otherwise start with a one-line answer. Take every number from the tool "
        "results you are given, copied exactly, and cite its source in brackets after it, e.g. "
        "'$65,000 [1: get_crypto_price]'; a number you compute must be the difference or the "
        "percentage change of two numbers of the tool results. If something could not be "
        "fetched, say so plainly. Then short sections; end with 'Sources' listing each tool "
        "result you used. No investment advice. At most 350 words."
    ),
)

REPORT_HEADING = "Write the final report for this request."
REPAIR_HEADING = "Some figures of your report have no source."
_SUMMARY_NOTES = {
    "round_limit": "The team reached its round limit before finishing; summarise what was found "
    "and say what is still missing.",
    "budget": "The run's token budget was reached; summarise what is known so far and say what "
    "is still missing.",
    "reset_limit": "The team could not make progress; summarise what was found and what failed.",
}


def report_prompt(
    task: str,
    evidence: Sequence[Evidence],
    notes: Sequence[str],
    stop_reason: str | None,
    bottom_line: str | None = None,
) -> str:
    """The ReportWriter's input: the request, the bottom line computed from the tool results,
    the numbered tool results and the team's notes."""
    lines = [REPORT_HEADING, "", "Request:", task, ""]
    if stop_reason in _SUMMARY_NOTES:
        lines += [_SUMMARY_NOTES[stop_reason], ""]
    if bottom_line:
        lines += ["Bottom line (open the report with it, word for word):", bottom_line, ""]
    lines.append("Tool results (cite them by number and tool name):")
    if evidence:
        lines += [item.cite(i) for i, item in enumerate(evidence, start=1)]
    else:
        lines.append("(no tool was called)")
    if notes:
        lines += ["", "Notes from the specialists:", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def repair_prompt(unmatched: Sequence[str]) -> str:
    """The one repair round: the figures the grounding check found no source for."""
    listed = ", ".join(unmatched)
    return (
        f"{REPAIR_HEADING} No tool result holds these figures, and none is the difference or "
        f"percentage change of two tool values: {listed}. Correct each from the tool results "
        "or remove it. Reply with the whole corrected report only."
    )
