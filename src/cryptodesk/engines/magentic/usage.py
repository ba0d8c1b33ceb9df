"""Token usage of one run, its estimated cost and the run's budget.

Counts come from the usage each provider reports with its responses (prompt and completion
tokens per call), never from our own estimate. Cost uses a price table in USD per million
tokens: built-in prices of common hosted models, overridden by `CRYPTODESK_LLM_PRICES`; local
providers (Ollama) cost nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptodesk.domain.events import AgentTokens, Usage

# USD per 1M tokens (prompt, completion); matched by exact name, then by longest prefix.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
    "o3-mini": (1.10, 4.40),
    "o3": (2.00, 8.00),
    "gpt-3.5-turbo": (0.50, 1.50),
}


@dataclass(frozen=True, slots=True)
class PriceTable:
    prices: Mapping[str, tuple[float, float]]
    free: bool = False
    """Local providers: every model costs nothing."""

    @classmethod
    def build(cls, overrides: Mapping[str, tuple[float, float]], *, free: bool) -> PriceTable:
        return cls({**DEFAULT_PRICES, **overrides}, free)

    def per_million(self, model: str) -> tuple[float, float] | None:
        if self.free:
            return (0.0, 0.0)
        if model in self.prices:
            return self.prices[model]
        matches = [name for name in self.prices if model.startswith(name)]
        return self.prices[max(matches, key=len)] if matches else None

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        price = self.per_million(model)
        if price is None:
            return None
        return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


@dataclass(slots=True)
class AgentUsage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(slots=True)
class UsageMeter:
    """What one run spent, per agent; `over_budget()` says when to stop delegating."""

    prices: PriceTable
    budget_tokens: int | None = None
    budget_usd: float | None = None
    agents: dict[str, AgentUsage] = field(default_factory=dict)
    day_left_usd: float | None = None
    """What is left of the day's spending cap (`budget.DailyCap`) when the run started."""
    day_left_tokens: int | None = None
    llm_seconds: float = 0.0
    """Time spent waiting for LLM calls, as the client saw it (summed over concurrent calls)."""
    calls_timed: list[tuple[float, float]] = field(default_factory=list)
    """(start, end) of every LLM call, `time.perf_counter()` (the critical path, benchmarks)."""
    _cost: float = 0.0
    _cost_known: bool = True

    def record(self, agent: str, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        usage = self.agents.setdefault(agent, AgentUsage())
        usage.calls += 1
        usage.prompt_tokens += prompt_tokens
        usage.completion_tokens += completion_tokens
        cost = self.prices.cost(model, prompt_tokens, completion_tokens)
        if cost is None:
            self._cost_known = False
        else:
            self._cost += cost

    @property
    def calls(self) -> int:
        return sum(u.calls for u in self.agents.values())

    @property
    def prompt_tokens(self) -> int:
        return sum(u.prompt_tokens for u in self.agents.values())

    @property
    def completion_tokens(self) -> int:
        return sum(u.completion_tokens for u in self.agents.values())

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def cost_usd(self) -> float | None:
        """The estimate, or None when a model has no price (an unknown hosted model)."""
        return round(self._cost, 6) if self._cost_known else None

    def over_budget(self) -> str | None:
        """Why the run's budget is used up, or None while it is not."""
        if self.budget_tokens is not None and self.total_tokens >= self.budget_tokens:
            return f"{self.total_tokens:,} of {self.budget_tokens:,} tokens used"
        if self.budget_usd is not None and self._cost >= self.budget_usd:
            return f"${self._cost:.4f} of ${self.budget_usd:.4f} spent"
        if self.day_left_tokens is not None and self.total_tokens >= self.day_left_tokens:
            return f"the day's token cap: {self.total_tokens:,} used, {self.day_left_tokens:,} left"
        if self.day_left_usd is not None and self._cost >= self.day_left_usd:
            return f"the day's spending cap: ${self._cost:.4f} spent, ${self.day_left_usd:.4f} left"
        return None

    @property
    def critical_calls(self) -> int:
        """LLM calls on the critical path: the most calls that ran one after another (the
        longest chain of calls that do not overlap)."""
        count, free_from = 0, float("-inf")
        for start, end in sorted(self.calls_timed, key=lambda call: call[1]):
            if start >= free_from:
                count, free_from = count + 1, end
        return count

    def usage(self) -> Usage:
        by_agent = tuple(
            AgentTokens(name, u.calls, u.prompt_tokens, u.completion_tokens)
            for name, u in self.agents.items()
        )
        return Usage(self.prompt_tokens, self.completion_tokens, self.cost_usd, by_agent)

    def breakdown(self) -> str:
        """One line per agent, for logs."""
        return ", ".join(
            f"{name}: {u.calls} calls, {u.prompt_tokens}+{u.completion_tokens} tokens"
            for name, u in self.agents.items()
        )
