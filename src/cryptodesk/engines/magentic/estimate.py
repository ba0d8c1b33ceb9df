"""What a run will cost, before it starts: from the plan's kind, the prompts the team sends,
the models' prices and the conversation's history.

Each LLM call the plan implies is sized from what it sends: the agent's instructions, its tools'
definitions (providers bill them as prompt tokens), the prompt around the data and the data
itself (tool results at a typical preview length, specialists' answers at a typical length), at
four characters per token (as `memory` counts the history); completions at a typical length per
kind of call. The estimate is of a run that goes as planned (no repair round, no re-planning);
`make bench` prints it beside what the run then spent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent_framework_orchestrations._magentic import (
    ORCHESTRATOR_PROGRESS_LEDGER_PROMPT,
    ORCHESTRATOR_TASK_LEDGER_FACTS_PROMPT,
    ORCHESTRATOR_TASK_LEDGER_FULL_PROMPT,
    ORCHESTRATOR_TASK_LEDGER_PLAN_PROMPT,
)

from cryptodesk.domain.events import CostEstimate
from cryptodesk.engines.magentic import orchestrator, report_writer
from cryptodesk.engines.magentic.agentspec import AgentSpec
from cryptodesk.engines.magentic.fastpath import FAST_INSTRUCTIONS
from cryptodesk.engines.magentic.memory import CHARS_PER_TOKEN
from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.engines.magentic.usage import PriceTable
from cryptodesk.engines.offline.plan import AgentTask
from cryptodesk.tools.registry import ToolRegistry

PREVIEW_CHARS = 320
"""A tool result as a model reads it (previews are at most 500 characters)."""
ANSWER_CHARS = 450
"""A specialist's answer (at most 120 words)."""
MESSAGE_CHARS = 30
"""What each message adds in the request (role, name, quoting)."""
COMPLETIONS = {
    "lookup": 90,
    "reading": 140,
    "tool_call": 45,
    "ledger": 130,
    "facts": 180,
    "plan": 110,
    "report": 480,
}
"""Completion tokens of a typical answer, by kind of call."""
DELEGATIONS = 3
"""Rounds the manager is assumed to delegate when it plans itself."""


@dataclass(frozen=True, slots=True)
class _Call:
    model: str
    prompt_chars: int
    completion_tokens: int


class Estimator:
    def __init__(
        self,
        target: LlmTarget,
        prices: PriceTable,
        registry: ToolRegistry,
        specs: Mapping[str, AgentSpec],
    ) -> None:
        self._target = target
        self._prices = prices
        self._registry = registry
        self._specs = specs
        self._agents: dict[str, int] = {}

    def lookup(self, question: str) -> CostEstimate:
        prompt = len(FAST_INSTRUCTIONS) + len(question) + PREVIEW_CHARS + 200
        return self._total([_Call(self._target.worker_model, prompt, COMPLETIONS["lookup"])])

    def first_round(self, tasks: Sequence[AgentTask], task_text: str) -> CostEstimate:
        """The first round's specialists, one progress ledger, the report."""
        calls: list[_Call] = []
        worker = self._target.worker_model
        for task in tasks:
            base = self._agent_chars(task.agent) + len(task.instruction) + 2 * MESSAGE_CHARS
            if task.agent in ("CryptoMarketAnalyst", "TechnicalAnalyst"):
                data = len(task.calls) * (PREVIEW_CHARS + 20) + 250
                calls.append(_Call(worker, base + data, COMPLETIONS["reading"]))
            else:
                calls.append(_Call(worker, base + 120, COMPLETIONS["tool_call"]))
                results = len(task.calls) * (PREVIEW_CHARS + 150)
                calls.append(_Call(worker, base + 120 + results, COMPLETIONS["reading"]))
        answers = len(tasks) * ANSWER_CHARS
        tools = sum(len(task.calls) for task in tasks)
        calls.append(self._ledger(task_text, answers + 400 * len(tasks)))
        calls.append(self._report(task_text, tools, answers))
        return self._total(calls)

    def team(self, task_text: str, delegations: int = DELEGATIONS) -> CostEstimate:
        """The manager's facts and plan, `delegations` rounds of a specialist with a tool call,
        the last progress ledger and the report."""
        manager = self._target.orchestrator_model
        system = len(orchestrator.INSTRUCTIONS)
        facts = system + len(ORCHESTRATOR_TASK_LEDGER_FACTS_PROMPT) + len(task_text)
        calls = [_Call(manager, facts, COMPLETIONS["facts"])]
        plan = (
            facts
            + COMPLETIONS["facts"] * CHARS_PER_TOKEN
            + len(ORCHESTRATOR_TASK_LEDGER_PLAN_PROMPT)
        )
        calls.append(_Call(manager, plan + self._team_chars(), COMPLETIONS["plan"]))
        history = 0
        worker = self._target.worker_model
        for _ in range(delegations):
            calls.append(self._ledger(task_text, history))
            base = self._agent_chars("TechnicalAnalyst") + 200
            calls.append(_Call(worker, base, COMPLETIONS["tool_call"]))
            calls.append(_Call(worker, base + PREVIEW_CHARS + 300, COMPLETIONS["reading"]))
            history += ANSWER_CHARS + 200
        calls.append(self._ledger(task_text, history))
        calls.append(self._report(task_text, delegations, delegations * ANSWER_CHARS))
        return self._total(calls)

    # ------------------------------------------------------------------ parts

    def _ledger(self, task_text: str, history_chars: int) -> _Call:
        team = self._team_chars()
        ledger = len(ORCHESTRATOR_TASK_LEDGER_FULL_PROMPT) + len(task_text) + team + 600
        prompt = len(ORCHESTRATOR_PROGRESS_LEDGER_PROMPT) + len(task_text) + team
        chars = len(orchestrator.INSTRUCTIONS) + len(task_text) + ledger + history_chars + prompt
        return _Call(self._target.orchestrator_model, chars, COMPLETIONS["ledger"])

    def _report(self, task_text: str, tools: int, notes_chars: int) -> _Call:
        cites = tools * (PREVIEW_CHARS + 110)
        chars = len(report_writer.SPEC.instructions) + len(task_text) + 400 + cites + notes_chars
        return _Call(self._target.worker_model, chars, COMPLETIONS["report"])

    def _agent_chars(self, agent: str) -> int:
        """Instructions and tool definitions of `agent` (measured once: they do not change)."""
        known = self._agents.get(agent)
        if known is None:
            known = self._agents[agent] = self._measure(agent)
        return known

    def _measure(self, agent: str) -> int:
        spec = self._specs.get(agent)
        if spec is None:
            return 0
        tools = [
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": self._registry.get(name).description,
                    "parameters": self._registry.get(name).args_schema(),
                },
            }
            for name in spec.tools
            if name in self._registry.names()
        ]
        return len(spec.instructions) + (len(json.dumps(tools)) if tools else 0)

    def _team_chars(self) -> int:
        return sum(len(spec.description) + len(spec.name) + 4 for spec in self._specs.values())

    def _total(self, calls: Sequence[_Call]) -> CostEstimate:
        prompt = sum(-(-call.prompt_chars // CHARS_PER_TOKEN) for call in calls)
        completion = sum(call.completion_tokens for call in calls)
        costs = [
            self._prices.cost(
                call.model, -(-call.prompt_chars // CHARS_PER_TOKEN), call.completion_tokens
            )
            for call in calls
        ]
        known = [cost for cost in costs if cost is not None]
        cost = round(sum(known), 6) if len(known) == len(costs) else None
        return CostEstimate(len(calls), prompt, completion, cost)
