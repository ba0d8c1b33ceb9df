"""What defines one agent of the team: roster name, routing description, instructions, tools."""

from __future__ import annotations

from dataclasses import dataclass

from cryptodesk.engines.roster import AgentName

COMMON_RULES = (
    "Use only numbers returned by your tools; never invent or recall prices. When you cite a "
    "figure, name the tool that produced it, e.g. '$65,000 (get_crypto_price)'. If a tool fails, "
    "say what is missing instead of guessing. Answer in at most 120 words."
)


@dataclass(frozen=True, slots=True)
class AgentSpec:
    name: AgentName
    description: str
    """What the manager routes on: one sentence of what this agent can do."""
    instructions: str
    tools: tuple[str, ...] = ()
