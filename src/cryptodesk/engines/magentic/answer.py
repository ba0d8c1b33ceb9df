"""The answer of an LLM run: the bottom line it opens with, and its figures checked.

The bottom line and the answer's kind are computed from the run's typed tool results by the
offline analyst's own `bottom_line` (so they read the same in both engines and hold only tool
figures); the ReportWriter is told to open with it, and a report that does not is given it.
After the report is written its figures are checked (`engines.grounding`); the ReportWriter gets
one repair round listing the figures no tool result holds, and what still has no source is
flagged in the result's `grounding`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent_framework import Agent, Message

from cryptodesk.domain.grounding import Grounding
from cryptodesk.domain.outlook import AnswerKind
from cryptodesk.engines.grounding import Sources, check_report
from cryptodesk.engines.magentic.evidence import Evidence
from cryptodesk.engines.magentic.report_writer import repair_prompt
from cryptodesk.engines.offline.bottomline import BottomLine, bottom_line
from cryptodesk.engines.offline.findings import Failure
from cryptodesk.engines.offline.findings import Findings as OfflineFindings
from cryptodesk.engines.offline.intent import Intent
from cryptodesk.engines.offline.resolve import Unresolved


@dataclass(frozen=True, slots=True)
class Checked:
    report: str
    grounding: Grounding
    repaired: bool


def opening_line(
    intent: Intent,
    evidence: Sequence[Evidence],
    unresolved: tuple[Unresolved, ...] = (),
    *,
    live: bool = False,
) -> BottomLine | None:
    """The bottom line of the tool results gathered so far, or None when no tool was called
    (the report then opens with the writer's own one-line answer)."""
    if not evidence:
        return None
    found = OfflineFindings(unresolved=unresolved, live=live)
    for item in evidence:
        if item.result is not None:
            found.keep(item.result)
        else:
            subject = str(item.arguments.get("coin") or item.arguments.get("symbol") or "")
            found.failures.append(Failure(item.agent, item.tool, subject, item.error or "failed"))
    line = bottom_line(intent, found)
    if not line.text.strip():
        return None
    if line.kind == "cannot_answer" and any(item.success for item in evidence):
        # The data the team chose to gather is not what the planner's kind of question reads
        # (e.g. indicators without an outlook): the writer's own opening answers instead.
        return None
    return line


def opened(report: str, line: str | None) -> str:
    """`report`, opening with the bottom line."""
    if line is None or report.lstrip().startswith(line):
        return report
    return f"{line}\n\n{report.lstrip()}"


def answer_kind(line: BottomLine | None, evidence: Sequence[Evidence]) -> AnswerKind:
    if line is not None:
        return line.kind
    failed = [e for e in evidence if not e.success]
    if failed and len(failed) == len(evidence):
        return "cannot_answer"
    return "partial" if failed else "answered"


async def checked(
    writer: Agent[Any], prompt: str | None, report: str, line: str | None, sources: Sources
) -> Checked:
    """The report with its figures checked, after one repair round when some had no source
    (`prompt`: what the writer was asked; None when there is no writer's turn to repair)."""
    report = opened(report, line)
    grounding = check_report(report, sources)
    if not grounding.unmatched or prompt is None:
        return Checked(report, grounding, repaired=False)
    messages = [
        Message(role="user", contents=[prompt]),
        Message(role="assistant", contents=[report]),
        Message(role="user", contents=[repair_prompt([u.text for u in grounding.unmatched])]),
    ]
    stream = writer.run(messages, stream=True, session=writer.create_session())
    async for _update in stream:
        pass
    repaired = (await stream.get_final_response()).text
    if not repaired.strip():
        return Checked(report, grounding, repaired=False)
    repaired = opened(repaired, line)
    return Checked(repaired, check_report(repaired, sources), repaired=True)
