"""Readiness of the LLM: one cheap real request, cached (`llm_check_ttl_s`).

OpenAI and OpenAI-compatible servers: the model list; Azure: a one-token completion of the
deployment; Ollama: its model list (`/api/tags`). Plain httpx, so a readiness check never
imports the agent framework.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from cryptodesk.engines.magentic.target import LlmTarget

log = logging.getLogger(__name__)

ProbeStatus = Literal["connected", "unreachable"]
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class LlmCheck:
    status: ProbeStatus
    model: str
    latency_ms: int | None
    detail: str


class LlmProbe:
    def __init__(self, ttl_s: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._ttl_s = ttl_s
        self._transport = transport
        self._checks: dict[str, tuple[float, LlmCheck]] = {}
        self._ollama: dict[str, tuple[float, tuple[str, ...] | None]] = {}

    def cached(self, target: LlmTarget) -> LlmCheck | None:
        entry = self._checks.get(self._key(target))
        return entry[1] if entry else None

    async def check(self, target: LlmTarget) -> LlmCheck:
        key = self._key(target)
        entry = self._checks.get(key)
        if entry is not None and time.monotonic() - entry[0] < self._ttl_s:
            return entry[1]
        result = await self._check(target)
        self._checks[key] = (time.monotonic(), result)
        return result

    async def local_ollama_models(self, url: str) -> tuple[str, ...] | None:
        """The models of an Ollama server, or None when none answers there (cached)."""
        entry = self._ollama.get(url)
        if entry is not None and time.monotonic() - entry[0] < self._ttl_s:
            return entry[1]
        models: tuple[str, ...] | None = None
        try:
            async with self._client(1.0) as client:
                response = await client.get(f"{url.rstrip('/')}/api/tags")
            if response.status_code == 200:
                models = _ollama_names(response.json())
        except (httpx.HTTPError, httpx.InvalidURL, ValueError):
            models = None
        self._ollama[url] = (time.monotonic(), models)
        return models

    def _key(self, target: LlmTarget) -> str:
        return f"{target.label}@{target.base_url}"

    def _client(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout, transport=self._transport)

    async def _check(self, target: LlmTarget) -> LlmCheck:
        model = target.orchestrator_model
        if target.key_problem is not None:
            return LlmCheck("unreachable", model, None, unusable_key(target))
        key = target.api_key.get_secret_value() if target.api_key else None
        started = time.perf_counter()
        try:
            async with self._client(min(PROBE_TIMEOUT_S, target.timeout_s)) as client:
                if target.provider == "azure":
                    response = await client.post(
                        f"{target.base_url}/openai/deployments/{model}/chat/completions",
                        params={"api-version": target.api_version or ""},
                        headers={"api-key": key or ""},
                        json={"messages": [{"role": "user", "content": "ping"}], "max_tokens": 1},
                    )
                elif target.provider == "ollama":
                    response = await client.get(f"{target.base_url}/api/tags")
                else:
                    headers = {"Authorization": f"Bearer {key}"} if key else {}
                    response = await client.get(f"{target.base_url}/models", headers=headers)
        except httpx.TimeoutException:
            return LlmCheck("unreachable", model, None, f"{target.base_url}: no answer in time")
        except httpx.HTTPError as exc:
            log.info("LLM probe of %s failed: %r", target.base_url, exc)
            where = f"{target.base_url}: not reachable from this machine"
            return LlmCheck("unreachable", model, None, where)
        except httpx.InvalidURL:  # not an HTTPError: a host httpx cannot encode (IDNA)
            return LlmCheck("unreachable", model, None, f"{target.base_url}: not a usable URL")
        latency = round((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            why = "the API key was rejected" if response.status_code in (401, 403) else "error"
            return LlmCheck("unreachable", model, latency, f"HTTP {response.status_code}: {why}")
        return LlmCheck("connected", model, latency, _listed(target, response))


def unusable_key(target: LlmTarget) -> str:
    return f"the API key cannot be sent: it {target.key_problem}; set it again"


def _ollama_names(payload: Any) -> tuple[str, ...]:
    models = payload.get("models", []) if isinstance(payload, dict) else []
    return tuple(str(m.get("name") or m.get("model")) for m in models if isinstance(m, dict))


def _listed(target: LlmTarget, response: httpx.Response) -> str:
    """Whether the configured models appear in the server's list (when it has one)."""
    if target.provider == "azure":
        return f"deployment {target.orchestrator_model!r} answered"
    try:
        payload = response.json()
    except ValueError:
        return "reachable"
    if target.provider == "ollama":
        names = set(_ollama_names(payload))
        names |= {name.removesuffix(":latest") for name in names}
    else:
        data = payload.get("data", []) if isinstance(payload, dict) else []
        names = {str(m.get("id")) for m in data if isinstance(m, dict)}
    missing = {target.orchestrator_model, target.worker_model} - names
    if missing and names:
        return f"reachable; not in its model list: {', '.join(sorted(missing))}"
    return "reachable; model listed"
