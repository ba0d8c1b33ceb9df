"""Chat clients per provider: one shared HTTP client per engine, a model per role.

OpenAI, Azure OpenAI and any OpenAI-compatible server (vLLM, LM Studio, llama.cpp, Ollama's
`/v1`) go through `OpenAIChatCompletionClient` (chat completions, not the Responses API, which
such servers lack); Ollama through its native `OllamaChatClient`. The `openai` client retries
429, 5xx, timeouts and connection errors itself (`llm_max_retries`, exponential backoff with
jitter, honouring Retry-After). Native Ollama calls are not retried: a local server that fails
is reported (and the offline analyst answers) rather than hammered.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cryptodesk.engines.magentic.target import LlmTarget

if TYPE_CHECKING:
    import ollama
    import openai
    from agent_framework import BaseChatClient

log = logging.getLogger(__name__)

NO_KEY = "not-needed"
"""Local servers need no key, but the openai client insists on one (pitfall 2)."""


TELEMETRY_ENV = "ENABLE_INSTRUMENTATION"


def quiet_framework_telemetry() -> bool:
    """Switches off Agent Framework's OpenTelemetry instrumentation unless the operator set the
    framework's own `ENABLE_INSTRUMENTATION` variable; returns whether it stays on.

    The framework builds spans and their attributes (message and tool JSON) for every agent run
    and LLM call by default, even with no exporter configured. CryptoDesk exports no telemetry,
    so that work (~0.4 ms per orchestration round, `make bench`) bought nothing. An operator who
    runs CryptoDesk under an OpenTelemetry setup of their own (a global tracer provider, e.g.
    from `opentelemetry-instrument`) sets `ENABLE_INSTRUMENTATION=true` to get the spans.
    """
    if os.environ.get(TELEMETRY_ENV) is not None:
        from agent_framework.observability import OBSERVABILITY_SETTINGS

        return OBSERVABILITY_SETTINGS.ENABLED
    from agent_framework.observability import disable_instrumentation

    disable_instrumentation()
    return False


class LlmProviders:
    """Owns the HTTP client of one LLM target; `aclose()` on shutdown (pitfall 12)."""

    def __init__(
        self,
        target: LlmTarget,
        client_factory: Callable[[str], BaseChatClient[Any]] | None = None,
    ) -> None:
        """`client_factory(model)` replaces the provider's clients (scripted tests)."""
        self.target = target
        self.telemetry = quiet_framework_telemetry()
        self._factory = client_factory
        self._openai: openai.AsyncOpenAI | None = None
        self._ollama: ollama.AsyncClient | None = None
        self._clients: dict[str, BaseChatClient[Any]] = {}

    def chat_client(self, model: str) -> BaseChatClient[Any]:
        """One chat client per model, shared by every agent and run: the clients hold no
        per-run state (middleware lives on the agents), and building one costs ~8 ms."""
        if self._factory is not None:
            return self._factory(model)
        client = self._clients.get(model)
        if client is None:
            client = self._clients[model] = self._new_chat_client(model)
        return client

    def _new_chat_client(self, model: str) -> BaseChatClient[Any]:
        if self.target.provider == "ollama":
            from agent_framework.ollama import OllamaChatClient

            return OllamaChatClient(client=self._ollama_client(), model=model)
        from agent_framework.openai import OpenAIChatCompletionClient

        return OpenAIChatCompletionClient(model=model, async_client=self._openai_client())

    def _openai_client(self) -> openai.AsyncOpenAI:
        if self._openai is None:
            import openai

            target = self.target
            key = target.api_key.get_secret_value() if target.api_key else NO_KEY
            if target.provider == "azure":
                self._openai = openai.AsyncAzureOpenAI(
                    azure_endpoint=target.base_url,
                    api_version=target.api_version,
                    api_key=key,
                    timeout=target.timeout_s,
                    max_retries=target.max_retries,
                )
            else:
                self._openai = openai.AsyncOpenAI(
                    base_url=target.base_url,
                    api_key=key,
                    timeout=target.timeout_s,
                    max_retries=target.max_retries,
                )
        return self._openai

    def _ollama_client(self) -> ollama.AsyncClient:
        if self._ollama is None:
            import ollama

            self._ollama = ollama.AsyncClient(
                host=self.target.base_url, timeout=self.target.timeout_s
            )
        return self._ollama

    async def aclose(self) -> None:
        self._clients.clear()
        if self._openai is not None:
            await self._openai.close()
            self._openai = None
        if self._ollama is not None:
            # ollama's client has no close(); its httpx client is the one thing to release.
            inner = getattr(self._ollama, "_client", None)
            if inner is not None:
                await inner.aclose()
            self._ollama = None
