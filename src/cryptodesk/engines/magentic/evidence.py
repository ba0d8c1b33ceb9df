"""What the team found: every tool result (its compact preview) and each specialist's notes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptodesk.domain.format import clip
from cryptodesk.domain.outlook import AnswerKind, Outlook

_NOTE_CHARS = 600


@dataclass(frozen=True, slots=True)
class Evidence:
    agent: str
    tool: str
    arguments: dict[str, object]
    success: bool
    preview: str

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

    def answer_kind(self) -> AnswerKind:
        """Partial when some tool failed beside ones that answered; cannot_answer when every
        tool failed."""
        failed = [e for e in self.evidence if not e.success]
        if failed and len(failed) == len(self.evidence):
            return "cannot_answer"
        return "partial" if failed else "answered"

    def used(self, agent: str) -> None:
        if agent not in self.agents:
            self.agents.append(agent)

    def note(self, agent: str, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.notes.append(f"{agent}: {clip(text, _NOTE_CHARS)}")
