"""Grounding: whether every figure of a report comes from the run's tool results.

`figures` reads the figures of a markdown report, `sources` collects the numbers of the run's
full typed tool results, `check` matches one against the other. Pure functions: the engines
call them after the ReportWriter (the LLM team repairs once, then flags what is left).
"""

from cryptodesk.engines.grounding.check import check_report
from cryptodesk.engines.grounding.figures import Figure, figures
from cryptodesk.engines.grounding.sources import Sources

__all__ = ["Figure", "Sources", "check_report", "figures"]
