"""Whether a report's figures come from the run's tool results: the `grounding` of a result.

Computed by `engines.grounding` after the report is written (never by a model). It travels in
the `result` frame, is stored with the run and marks the export: a figure no tool result holds
is flagged, never hidden. These names are part of the protocol: add fields, never rename them.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

NO_SOURCE = "no tool result has this figure"
"""What the web app and the export say about an unmatched figure."""


class UnmatchedFigure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(description="the figure exactly as the report writes it, e.g. '$71,250'")
    value: float = Field(description="the number it reads as (71250.0; a percentage: 2.5)")


class Grounding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    checked: int = Field(ge=0, description="figures of the report that were checked")
    matched: int = Field(ge=0, description="figures a tool result holds or derives")
    unmatched: list[UnmatchedFigure] = Field(
        default_factory=list, description="figures no tool result holds, in report order"
    )

    @property
    def grounded(self) -> bool:
        return not self.unmatched


MARK = "⚠"


def marked(content: str, grounding: Grounding | None) -> str:
    """`content` with `MARK` after every occurrence of a figure no tool result holds (exports
    and the terminal; the web app underlines them instead)."""
    if grounding is None or not grounding.unmatched:
        return content
    texts = sorted({u.text for u in grounding.unmatched}, key=len, reverse=True)
    pattern = "|".join(re.escape(text) for text in texts)
    # Whole figures only: "$12" is not marked inside "$123" or "$12.50".
    figure = re.compile(rf"(?<![\w$.,])(?:{pattern})(?![\w%]|[.,]\d)")
    return figure.sub(lambda m: f"{m.group(0)}{MARK}", content)


def footnote(grounding: Grounding | None) -> str | None:
    """The line that explains the marks, or None when there are none."""
    if grounding is None or not grounding.unmatched:
        return None
    listed = ", ".join(u.text for u in grounding.unmatched)
    return (
        f"{MARK} {NO_SOURCE}: {listed} ({grounding.matched} of {grounding.checked} figures "
        "of this answer matched the tool results)."
    )
