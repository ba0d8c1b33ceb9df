"""LLM failures in words a user can act on: what went wrong, never a stack trace, URL or key.

Provider errors arrive wrapped by the framework (`ChatClientException` from an `openai` or
`ollama` error); the chain is searched for the cause. Messages are ours: a provider's own text
can quote parts of a key, so it is only matched, never shown.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx

from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.errors import LlmError

NO_TOOLS = re.compile(
    r"does not support tools|tool.?choice|tools? (?:param|are not supported|is not supported)|"
    r"function.?calling|tool.?calling|enable-auto-tool-choice|--jinja",
    re.I,
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _status_of(exc: BaseException) -> tuple[int | None, str]:
    import ollama
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code, str(exc.message)
    if isinstance(exc, ollama.ResponseError):
        return exc.status_code, str(exc.error)
    return None, ""


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: 429, 5xx, timeouts, refused connections."""
    for item in _chain(exc):
        status, _ = _status_of(item)
        if status is not None:
            return status == 429 or status >= 500
        if isinstance(item, ConnectionError | TimeoutError | httpx.TransportError):
            return True
    return False


_PROVIDER_NAMES = {
    "openai": "OpenAI",
    "azure": "Azure OpenAI",
    "ollama": "Ollama",
    "openai-compatible": "the OpenAI-compatible server",
}


def classify(exc: BaseException, target: LlmTarget) -> LlmError:
    """The failure of a run's LLM calls as an `LlmError` with a code and a plain message; the
    endpoint, status and exception class go to its `details`."""
    import openai

    name = _PROVIDER_NAMES.get(target.provider, target.provider)
    where = f"{target.provider} at {target.base_url}"
    for item in _chain(exc):
        if isinstance(item, LlmError):
            return item
        if isinstance(item, httpx.LocalProtocolError | UnicodeEncodeError):
            # Our own request could not be sent: a header (the key) it may quote is malformed.
            why = target.key_problem or "contains characters an HTTP header cannot carry"
            return LlmError(
                "llm_auth", f"The LLM API key ({where}) cannot be sent: it {why}; set it again."
            )
        status, text = _status_of(item)
        if status is not None:
            answered = f"HTTP {status} from {where}"
            if status in (400, 404, 422, 500) and NO_TOOLS.search(text):
                return LlmError(
                    "llm_no_tools",
                    f"The model {target.worker_model!r} ({name}) does not support tool calling, "
                    "which the agent team needs; choose a model with tool support.",
                    details=answered,
                )
            if status in (401, 403):
                return LlmError("llm_auth", f"{name} rejected the LLM API key.", details=answered)
            if status == 404:
                return LlmError(
                    "llm_model_not_found",
                    f"{name} does not know the model or deployment {target.orchestrator_model!r}.",
                    details=answered,
                )
            if status == 429:
                return LlmError(
                    "llm_rate_limited",
                    f"{name} kept rate limiting the LLM requests.",
                    details=answered,
                )
            return LlmError(
                "llm_unavailable", f"The LLM ({name}) answered with an error.", details=answered
            )
        if isinstance(item, openai.APITimeoutError | TimeoutError | httpx.TimeoutException):
            return LlmError(
                "llm_unavailable",
                f"The LLM ({name}) did not answer within {target.timeout_s:g} s.",
                details=f"{type(item).__name__} from {where}",
            )
        if isinstance(item, openai.APIConnectionError | ConnectionError | httpx.TransportError):
            return LlmError(
                "llm_unavailable",
                f"The LLM ({name}) is not reachable from this machine.",
                details=f"{type(item).__name__} connecting to {where}",
            )
        if isinstance(item, asyncio.CancelledError):
            break
    return LlmError(
        "llm_team_failed",
        f"The agent team failed while using {name}.",
        details=f"{type(exc).__name__} with {where}",
    )
