"""Report section of the outlook: bias and its signals, levels, invalidation, scenarios."""

from __future__ import annotations

from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import Outlook, OutlookSignal, Scenario
from cryptodesk.engines.offline.sections.common import levels_line, table
from cryptodesk.tools.outlook import OutlookResult

SCENARIOS_NOTE = (
    "_Scenarios, not advice: conditional paths drawn from the data above, not a recommendation "
    "to buy or sell._"
)
_NAMES = {
    "trend": "Trend",
    "macd": "MACD histogram",
    "rsi": "RSI14",
    "confluence": "Timeframes above/below",
    "divergence": "Divergence",
    "adx": "Trend strength",
}
_PERCENT = frozenset({"trend", "confluence"})


def _value(signal: OutlookSignal) -> str:
    if signal.value is None:
        return ""
    return fmt.pct(signal.value) if signal.name in _PERCENT else fmt.number(signal.value)


def _scenario(s: Scenario) -> str:
    label = "Bull" if s.kind == "bull" else "Bear"
    parts = [s.trigger]
    if s.stop is not None:
        parts.append(f"wrong {'below' if s.kind == 'bull' else 'above'} {fmt.price(s.stop)}")
    if s.entry_zone is not None:
        low, high = s.entry_zone
        zone = f"{fmt.price(low)}–{fmt.price(high)}" if low != high else fmt.price(low)
        reward = (
            f"risk/reward {fmt.number(s.risk_reward)} from the entry zone {zone}"
            if s.risk_reward is not None
            else f"no favourable risk/reward from the entry zone {zone}"
        )
        parts.append(reward)
    return f"- **{label} scenario:** " + "; ".join(parts) + "."


def outlook(result: OutlookResult) -> list[str]:
    o: Outlook = result.outlook
    out = [f"## Outlook: {o.symbol} ({o.timeframe})", ""]
    out.append(
        f"**{o.bias.capitalize()}**, strength {o.strength:g} · horizon {o.horizon.label}, to "
        f"{fmt.when(o.horizon.ends_at)}."
    )
    out.append("")
    rows = [
        (_NAMES.get(s.name, s.name), _value(s), s.reading, s.lean, f"{s.weight:g}")
        for s in o.signals
    ]
    out += table(("Signal", "Value", "Reading", "Lean", "Weight"), rows)
    out.append(f"- **Levels:** {levels_line(o)}.")
    out.append(f"- **Invalidation:** {o.invalidation_note}.")
    out += [_scenario(s) for s in o.scenarios]
    out.append("")
    return out


def outlooks(results: list[OutlookResult]) -> list[str]:
    """Every outlook, then the one note that they are scenarios, not advice."""
    if not results:
        return []
    lines: list[str] = []
    for result in results:
        lines += outlook(result)
    return [*lines, SCENARIOS_NOTE, ""]
