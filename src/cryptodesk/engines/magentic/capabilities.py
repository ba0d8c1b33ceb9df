"""Can the configured models do what the team needs: call tools, and answer in JSON?

Two tiny real requests (about a hundred tokens together): the worker model is offered one tool
and asked to call it; the orchestrator model is asked for a JSON object (in JSON mode where the
provider has one, as the progress ledger asks). A model that fails either cannot run the team:
the settings Test button and `doctor` say so, the header shows it, and runs go to the offline
analyst at once instead of failing mid-run. Plain httpx, like `probe`: no framework import.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from cryptodesk.engines.magentic.failures import NO_TOOLS
from cryptodesk.engines.magentic.probe import PROBE_TIMEOUT_S
from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.errors import LlmError

log = logging.getLogger(__name__)

MARKER = "CryptoDesk capability check"
"""Words of both probe prompts (servers and tests can tell a probe from a run's call)."""
_TOOL = {
    "type": "function",
    "function": {
        "name": "ping",
        "description": "Answers pong; call it to show you can call tools.",
        "parameters": {
            "type": "object",
            "properties": {"value": {"type": "integer"}},
            "required": ["value"],
        },
    },
}


@dataclass(frozen=True, slots=True)
class Ability:
    ok: bool | None
    """None: the model did not answer (nothing learned)."""
    detail: str


@dataclass(frozen=True, slots=True)
class Capabilities:
    tools: Ability
    json: Ability

    @property
    def problem(self) -> LlmError | None:
        """Why the team cannot run on these models, or None."""
        if self.tools.ok is False:
            return LlmError("llm_no_tools", self.tools.detail)
        if self.json.ok is False:
            return LlmError("llm_no_json", self.json.detail)
        return None


async def probe_capabilities(
    target: LlmTarget, transport: httpx.AsyncBaseTransport | None = None
) -> Capabilities:
    timeout = min(max(PROBE_TIMEOUT_S, 10.0), target.timeout_s)
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
        tools = await _ask(client, target, target.worker_model, tools=True)
        answers_json = await _ask(client, target, target.orchestrator_model, tools=False)
    return Capabilities(tools, answers_json)


async def _ask(client: httpx.AsyncClient, target: LlmTarget, model: str, *, tools: bool) -> Ability:
    what = "tool calling" if tools else "JSON output"
    try:
        response = await _post(client, target, model, tools=tools)
    except httpx.TimeoutException:
        return Ability(None, f"{model}: no answer in time to the {what} check")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        log.info("capability check of %s failed: %r", target.base_url, exc)
        return Ability(None, f"{model}: not reachable for the {what} check")
    if response.status_code != 200:
        text = response.text[:2000]
        if tools and response.status_code in (400, 404, 422, 500) and NO_TOOLS.search(text):
            return Ability(False, _no_tools(model))
        if not tools and response.status_code in (400, 422) and "response_format" in text:
            return Ability(False, _no_json(model, "its server refuses JSON mode"))
        return Ability(None, f"{model}: HTTP {response.status_code} to the {what} check")
    try:
        message = _message(target, response.json())
    except (ValueError, KeyError, IndexError, TypeError):
        return Ability(None, f"{model}: an answer CryptoDesk could not read")
    if tools:
        calls = message.get("tool_calls") or []
        names = [str((c.get("function") or {}).get("name")) for c in calls if isinstance(c, dict)]
        if "ping" in names:
            return Ability(True, f"{model} called the tool")
        return Ability(False, _no_tools(model, "it answered in words instead"))
    if _is_json_object(str(message.get("content") or "")):
        return Ability(True, f"{model} answered in JSON")
    return Ability(False, _no_json(model, "its answer was not a JSON object"))


async def _post(
    client: httpx.AsyncClient, target: LlmTarget, model: str, *, tools: bool
) -> httpx.Response:
    ask = (
        f"{MARKER}: call the tool ping with value 1."
        if tools
        else f'{MARKER}: reply with the JSON object {{"ok": true}} and nothing else.'
    )
    body: dict[str, Any] = {"messages": [{"role": "user", "content": ask}], "stream": False}
    if tools:
        body["tools"] = [_TOOL]
    key = target.api_key.get_secret_value() if target.api_key else None
    if target.provider == "ollama":
        if not tools:
            body["format"] = "json"
        return await client.post(f"{target.base_url}/api/chat", json={**body, "model": model})
    body["max_tokens"] = 60
    if tools:
        body["tool_choice"] = "auto"
    elif target.supports_json_mode:
        body["response_format"] = {"type": "json_object"}
    if target.provider == "azure":
        return await client.post(
            f"{target.base_url}/openai/deployments/{model}/chat/completions",
            params={"api-version": target.api_version or ""},
            headers={"api-key": key or ""},
            json=body,
        )
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return await client.post(
        f"{target.base_url}/chat/completions", json={**body, "model": model}, headers=headers
    )


def _message(target: LlmTarget, payload: Any) -> dict[str, Any]:
    if target.provider == "ollama":
        message = payload["message"]
    else:
        message = payload["choices"][0]["message"]
    if not isinstance(message, dict):
        raise TypeError("no message")
    return message


def _is_json_object(text: str) -> bool:
    text = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _no_tools(model: str, why: str = "its server refused the tool definitions") -> str:
    return (
        f"The model {model!r} cannot call tools ({why}), which the agent team needs: the "
        "offline analyst answers. Choose a model with tool support."
    )


def _no_json(model: str, why: str) -> str:
    return (
        f"The model {model!r} does not answer in JSON ({why}), which the Orchestrator's "
        "progress ledger needs: the offline analyst answers. Choose another model."
    )
