"""The team's findings: what a run gathered, kept once per asset."""

from __future__ import annotations

from cryptodesk.engines.magentic.evidence import Findings
from tests.runs.test_eventlog_calls import outlook


def test_findings_keep_one_outlook_per_asset_and_timeframe() -> None:
    # The first round assesses BTC; a specialist asking again must not make a second call of
    # the same outlook (regression: the result held BTC 4h twice and the track record two calls).
    findings = Findings()
    first = outlook("BTC")
    again = first.model_copy(update={"strength": 0.7})
    findings.add_outlook(first)
    findings.add_outlook(outlook("ETH"))
    findings.add_outlook(again)
    assert [(o.symbol, o.strength) for o in findings.outlooks] == [("BTC", 0.7), ("ETH", 0.6)]
