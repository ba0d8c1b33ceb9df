"""Which engine answers: `CRYPTODESK_ENGINE` (or a chat's `options.engine`) resolved to one.

`auto` picks the configured LLM team, else a reachable local Ollama (found by `refresh()`),
else the offline analyst; `magentic` without any LLM is an error that says what to set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from cryptodesk.config import Settings
from cryptodesk.engines.base import Engine
from cryptodesk.engines.magentic.probe import LlmCheck, LlmProbe
from cryptodesk.engines.magentic.target import LlmTarget, configured_target, ollama_target
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.errors import EngineError
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.context import ChartStore, WatchBook

if TYPE_CHECKING:
    from cryptodesk.engines.magentic.budget import SpendBook
    from cryptodesk.engines.magentic.capabilities import Capabilities
    from cryptodesk.engines.magentic.engine import MagenticEngine

LlmStatus = Literal["connected", "unreachable", "not_configured", "offline"]


class EngineSelector:
    def __init__(
        self,
        settings: Settings,
        market: MarketDataService,
        charts: ChartStore,
        exchange: ExchangeService | None = None,
        spend: SpendBook | None = None,
        *,
        watch: WatchBook | None = None,
    ) -> None:
        """`spend`: the spending ledger the daily cap sums (the store's)."""
        self._settings = settings
        self._spend = spend
        self._market = market
        self._charts = charts
        self._exchange = exchange
        self._watch = watch
        self._offline = OfflineAnalyst(
            market, charts, settings.tool_timeout_s, exchange=exchange, watch=watch
        )
        self._configured = configured_target(settings)
        self._detected: LlmTarget | None = None
        self._probe = LlmProbe(settings.llm_check_ttl_s)
        self._teams: dict[str, MagenticEngine] = {}
        self._abilities: dict[str, Capabilities] = {}
        """What each model could do when it was last probed (once per model and settings)."""

    @property
    def llm_target(self) -> LlmTarget | None:
        """The configured LLM, else a local Ollama that `refresh()` found."""
        return self._configured or self._detected

    def for_request(self, choice: str | None) -> Engine:
        wanted = choice or self._settings.engine
        if wanted == "offline":
            return self._offline
        if wanted not in ("auto", "magentic"):
            raise EngineError(f"unknown engine {wanted!r}; choose auto, offline or magentic")
        target = self.llm_target
        if target is None:
            if wanted == "auto":
                return self._offline
            raise EngineError(
                "engine 'magentic' needs an LLM: set CRYPTODESK_LLM_PROVIDER (openai, azure, "
                "ollama or openai-compatible) and CRYPTODESK_LLM_MODEL (see 'The LLM team' in "
                f"the README), or run Ollama at {self._settings.ollama_url}"
            )
        return self._team(target)

    def _team(self, target: LlmTarget) -> MagenticEngine:
        from cryptodesk.engines.magentic.budget import DailyCap
        from cryptodesk.engines.magentic.engine import MagenticEngine
        from cryptodesk.engines.magentic.usage import PriceTable

        team = self._teams.get(target.label)
        if team is None:
            settings = self._settings
            team = MagenticEngine(
                target,
                market=self._market,
                charts=self._charts,
                fallback=self._offline,
                tool_timeout_s=settings.tool_timeout_s,
                history_tokens=settings.llm_history_tokens,
                prices=PriceTable.build(settings.llm_prices, free=target.provider == "ollama"),
                budget_tokens=settings.run_budget_tokens,
                budget_usd=settings.run_budget_usd,
                exchange=self._exchange,
                daily=DailyCap(
                    self._spend, settings.daily_budget_usd, settings.daily_budget_tokens
                ),
                stall_timeout_s=settings.llm_stall_timeout_s,
                parallel=settings.llm_parallel,
                watch=self._watch,
            )
            self._teams[target.label] = team
            abilities = self._abilities.get(target.label)
            team.unusable = abilities.problem if abilities is not None else None
        return team

    def warm(self) -> None:
        """Builds the LLM team of the engine a chat without options gets, so the first
        question does not pay for importing the framework and building the agents (~1 s).
        No request is made."""
        if self._settings.engine != "offline" and self.llm_target is not None:
            self._team(self.llm_target).warm()

    def describe(self) -> str:
        """The engine a chat without options gets, as shown in the `connected` frame."""
        try:
            return self.for_request(None).name
        except EngineError:
            return f"unavailable ({self._settings.engine})"

    async def refresh(self) -> LlmCheck | None:
        """Checks the configured LLM, or looks for a local Ollama (both cached a minute); the
        first time a model answers, also whether it can call tools and answer in JSON."""
        if self._configured is not None:
            return await self._checked(self._configured)
        if self._settings.engine == "offline":
            return None
        models = await self._probe.local_ollama_models(self._settings.ollama_url)
        if not models:
            self._detected = None
            return None
        wanted = self._settings.llm_model
        model = wanted if wanted and wanted in models else models[0]
        self._detected = ollama_target(self._settings, model)
        return await self._checked(self._detected)

    async def _checked(self, target: LlmTarget) -> LlmCheck:
        check = await self._probe.check(target)
        if check.status == "connected" and target.label not in self._abilities:
            from cryptodesk.engines.magentic.capabilities import probe_capabilities

            abilities = await probe_capabilities(target)
            if abilities.tools.ok is not None and abilities.json.ok is not None:
                self._abilities[target.label] = abilities  # learned: not asked again
            team = self._teams.get(target.label)
            if team is not None:
                team.unusable = abilities.problem
        return check

    def llm_problem(self) -> str | None:
        """Why the LLM in use cannot run the team (tool calling, JSON), or None."""
        target = self.llm_target
        abilities = self._abilities.get(target.label) if target is not None else None
        problem = abilities.problem if abilities is not None else None
        return problem.message if problem is not None else None

    def llm_check(self) -> LlmCheck | None:
        """The last readiness check of the LLM in use (see `refresh()`)."""
        target = self.llm_target
        return self._probe.cached(target) if target is not None else None

    def llm_status(self) -> LlmStatus:
        """`offline` when the offline engine is chosen, `not_configured` without an LLM, else
        what the last check found (`refresh()`)."""
        if self._settings.engine == "offline":
            return "offline"
        if self.llm_target is None:
            return "not_configured"
        check = self.llm_check()
        return check.status if check is not None else "unreachable"

    async def aclose(self) -> None:
        for team in self._teams.values():
            await team.aclose()
        self._teams.clear()
