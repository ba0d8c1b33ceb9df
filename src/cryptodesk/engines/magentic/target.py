"""Which LLM the team talks to: provider, endpoint and a model per role (no framework types)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from cryptodesk.config import LlmProvider, Settings
from cryptodesk.vault.values import problem

OPENAI_URL = "https://api.openai.com/v1"


@dataclass(frozen=True, slots=True)
class LlmTarget:
    provider: LlmProvider
    orchestrator_model: str
    worker_model: str
    base_url: str
    """OpenAI-style base URL; the resource endpoint for Azure; the host for Ollama."""
    api_key: SecretStr | None = None
    api_version: str | None = None
    timeout_s: float = 60.0
    max_retries: int = 2
    detected: bool = False
    """True for a local Ollama found by `engine=auto` rather than configured."""

    @property
    def label(self) -> str:
        """As the `connected` frame shows it, e.g. `magentic:openai/gpt-4o-mini`."""
        models = self.orchestrator_model
        if self.worker_model != self.orchestrator_model:
            models += f"+{self.worker_model}"
        return f"magentic:{self.provider}/{models}"

    @property
    def key_problem(self) -> str | None:
        """Why the API key cannot be sent as a header (one from the environment is never
        checked on the way in), or None."""
        if self.api_key is None:
            return None
        return problem(self.api_key.get_secret_value(), header=True)

    @property
    def supports_json_mode(self) -> bool:
        return self.provider != "ollama"

    @property
    def local(self) -> bool:
        return self.provider == "ollama" or self.base_url.startswith(
            ("http://127.", "http://localhost", "http://[::1]")
        )


def configured_target(settings: Settings) -> LlmTarget | None:
    """The LLM of the settings, or None when none is configured."""
    provider = settings.llm_provider
    orchestrator, worker = settings.orchestrator_model, settings.worker_model
    if provider is None or orchestrator is None or worker is None:
        return None
    api_version: str | None = None
    if provider == "azure":
        url = settings.azure_openai_endpoint or settings.llm_base_url
        api_version = settings.azure_openai_api_version
    elif provider == "ollama":
        url = settings.llm_base_url or settings.ollama_url
    elif provider == "openai-compatible":
        url = settings.llm_base_url
    else:
        url = settings.llm_base_url or OPENAI_URL
    if url is None:
        return None
    return LlmTarget(
        provider,
        orchestrator,
        worker,
        url.rstrip("/"),
        api_key=settings.llm_api_key,
        api_version=api_version,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )


def ollama_target(settings: Settings, model: str) -> LlmTarget:
    """A local Ollama found by `engine=auto` (no LLM configured)."""
    return LlmTarget(
        "ollama",
        model,
        model,
        settings.ollama_url.rstrip("/"),
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        detected=True,
    )
