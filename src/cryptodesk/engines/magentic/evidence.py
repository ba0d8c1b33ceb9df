"""What the team found: every tool result (the full typed result and its compact preview) and
each specialist's notes; the numbers of the results are collected for the grounding check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptodesk.domain.format import clip
from cryptodesk.domain.outlook import AnswerKind, Outlook
from cryptodesk.domain.watching import WatchAction
from cryptodesk.engines.grounding import Sources
from cryptodesk.tools.base import ToolResult

_NOTE_CHARS = 600


@dataclass(frozen=True, slots=True)
class Evidence:
    agent: str
    tool: str
    arguments: dict[str, object]
    success: bool
    preview: str
    result: ToolResult | None = None
    error: str | None = None

    def cite(self, number: int) -> str:
        args = json.dumps(self.arguments, separators=(",", ":"), default=str)
        status = self.preview if self.success else f"FAILED: {self.preview}"
        return f"[{number}: {self.tool}] {self.tool}({args}) by {self.agent} -> {status}"


@dataclass(slots=True)
class Findings:
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    data_labels: list[str] = field(default_factory=list)
    outlooks: list[Outlook] = field(default_factory=list)
    """`assess_outlook`'s structured outputs: the run's outlook, never typed by the model."""
    sources: Sources = field(default_factory=Sources)
    """The numbers of the full results, their arguments and the question (grounding)."""
    watch_actions: list[WatchAction] = field(default_factory=list)
    """What the watcher tools did (alerts proposed, coins watched), from their results."""

    def answer_kind(self) -> AnswerKind:
        """Partial when some tool failed beside ones that answered; cannot_answer when every
        tool failed."""
        failed = [e for e in self.evidence if not e.success]
        if failed and len(failed) == len(self.evidence):
            return "cannot_answer"
        return "partial" if failed else "answered"

    def add_outlook(self, outlook: Outlook) -> None:
        """One outlook per asset and timeframe: a later assessment (a specialist asking again
        after the first round gathered it) replaces the earlier, so the answer and the track
        record hold each call once."""
        key = (outlook.coin_id or outlook.symbol, outlook.timeframe)
        for i, known in enumerate(self.outlooks):
            if (known.coin_id or known.symbol, known.timeframe) == key:
                self.outlooks[i] = outlook
                return
        self.outlooks.append(outlook)

    def used(self, agent: str) -> None:
        if agent not in self.agents:
            self.agents.append(agent)

    def note(self, agent: str, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.notes.append(f"{agent}: {clip(text, _NOTE_CHARS)}")
