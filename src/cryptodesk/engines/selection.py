"""Which engine answers: `CRYPTODESK_ENGINE` (or a chat's `options.engine`) resolved to one."""

from __future__ import annotations

from typing import Literal

from cryptodesk.config import Settings
from cryptodesk.engines.base import Engine
from cryptodesk.engines.offline.engine import OfflineAnalyst
from cryptodesk.errors import EngineError
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.context import ChartStore

LlmStatus = Literal["connected", "unreachable", "not_configured", "offline"]


class EngineSelector:
    def __init__(self, settings: Settings, market: MarketDataService, charts: ChartStore) -> None:
        self._settings = settings
        self._offline = OfflineAnalyst(market, charts, settings.tool_timeout_s)

    def for_request(self, choice: str | None) -> Engine:
        wanted = choice or self._settings.engine
        if wanted in ("auto", "offline"):
            return self._offline
        raise EngineError(
            f"engine {wanted!r} is not available in this version of CryptoDesk; "
            "the offline analyst (engine 'offline' or 'auto') answers without an LLM"
        )

    def describe(self) -> str:
        """The engine a chat without options gets, as shown in the `connected` frame."""
        try:
            return self.for_request(None).name
        except EngineError:
            return f"unavailable ({self._settings.engine})"

    def llm_status(self) -> LlmStatus:
        """`not_configured` without LLM settings; `offline` while the offline analyst answers."""
        return "offline" if self._settings.llm_configured else "not_configured"
