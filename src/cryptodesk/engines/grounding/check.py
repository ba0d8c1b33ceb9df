"""Matching a report's figures against the run's tool results.

A figure is matched when a source value equals it after the rounding the report shows
(`Sources.holds` within the figure's tolerance), or when a difference of two scalar values does,
or (for a percentage) the change or ratio of two of them, or a fraction written as a
percentage. A derived figure may be off by one unit of its last digit: the writer may have
computed it from rounded inputs.

Limits, said plainly: a percentage between nearby values (prices, levels, averages of one coin)
is derivable from many pairs, so an invented small percentage can pass; prices, levels and
indicator values, which must equal a source, are where the check is strict.
"""

from __future__ import annotations

import numpy as np

from cryptodesk.domain.grounding import Grounding, UnmatchedFigure
from cryptodesk.engines.grounding.figures import Figure, figures
from cryptodesk.engines.grounding.sources import Sources


def matches(found: list[Figure], sources: Sources) -> list[bool]:
    """Per figure, whether a source holds or derives it."""
    if not found:
        return []
    values = np.array([f.value for f in found], dtype=np.float64)
    tolerances = np.array([f.tolerance for f in found], dtype=np.float64)
    signed = np.array([f.signed for f in found], dtype=np.bool_)
    held = sources.holds(values, tolerances, signed)
    return [
        bool(exact) or sources.derives(f.value, 2 * f.tolerance, percent=f.percent, signed=f.signed)
        for f, exact in zip(found, held, strict=True)
    ]


def check_report(markdown: str, sources: Sources) -> Grounding:
    """`checked` and `matched` count figures as they occur; `unmatched` lists each unmatched
    text once, in the order of the report."""
    found = figures(markdown)
    unmatched: dict[str, UnmatchedFigure] = {}
    matched = 0
    for figure, ok in zip(found, matches(found, sources), strict=True):
        if ok:
            matched += 1
        elif figure.text not in unmatched:
            unmatched[figure.text] = UnmatchedFigure(text=figure.text, value=figure.value)
    return Grounding(checked=len(found), matched=matched, unmatched=list(unmatched.values()))
