"""LLM failures in words a user can act on: what went wrong, never a stack trace or a key.

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

_NO_TOOLS = re.compile(
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


def classify(exc: BaseException, target: LlmTarget) -> LlmError:
    """The failure of a run's LLM calls as an `LlmError` with a code and a safe message."""
    import openai

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
            if status in (400, 404, 422, 500) and _NO_TOOLS.search(text):
                return LlmError(
                    "llm_no_tools",
                    f"The model {target.worker_model!r} ({where}) does not support tool calling, "
                    "which the agent team needs; choose a model with tool support.",
                )
            if status in (401, 403):
                return LlmError(
                    "llm_auth", f"The LLM provider ({where}) rejected the API key (HTTP {status})."
                )
            if status == 404:
                return LlmError(
                    "llm_model_not_found",
                    f"The LLM provider ({where}) does not know the model or deployment "
                    f"{target.orchestrator_model!r} (HTTP 404).",
                )
            if status == 429:
                return LlmError(
                    "llm_rate_limited",
                    f"The LLM provider ({where}) kept rate limiting the requests (HTTP 429).",
                )
            return LlmError(
                "llm_unavailable", f"The LLM provider ({where}) failed with HTTP {status}."
            )
        if isinstance(item, openai.APITimeoutError | TimeoutError | httpx.TimeoutException):
            return LlmError(
                "llm_unavailable",
                f"The LLM ({where}) did not answer within {target.timeout_s:g} s.",
            )
        if isinstance(item, openai.APIConnectionError | ConnectionError | httpx.TransportError):
            return LlmError("llm_unavailable", f"The LLM ({where}) cannot be reached.")
        if isinstance(item, asyncio.CancelledError):
            break
    return LlmError(
        "llm_team_failed",
        f"The agent team failed ({type(exc).__name__}) while using {where}.",
    )
