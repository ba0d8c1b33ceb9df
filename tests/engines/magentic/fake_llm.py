"""A loopback OpenAI-compatible chat server, scripted per test.

Serves `/v1/chat/completions` (JSON, or SSE with split tool-call deltas and a usage chunk), the
Azure route `/openai/deployments/{dep}/chat/completions`, Ollama's `/api/chat` (NDJSON) and the
model lists (`/v1/models`, `/api/tags`). It answers Magentic's orchestrator prompts by their
wording and worker turns with a tool call, then text. Every request is recorded with the agent
that sent it (from its system message) and the usage reported for it: prompt tokens as a
provider bills them (the messages and the tool definitions, four characters a token). A delay
makes responses slow, a reply can stall mid-stream, the server counts requests in flight at once
and notes when a client hung up.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.runtime.server import free_port

Body = dict[str, Any]


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    """Streamed replies: the pause before each chunk."""
    stall_after: int | None = None
    """Streamed replies: send this many chunks, then nothing until the client hangs up."""


@dataclass
class Recorded:
    path: str
    body: Body
    kind: str
    headers: dict[str, str]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    message_tokens: int = 0
    """The prompt's messages alone (without the tool definitions)."""
    closed_early: bool = False

    @property
    def agent(self) -> str | None:
        """The team agent that sent the request, from its system message."""
        return agent_of(self.body)

    @property
    def last_text(self) -> str:
        messages = self.body.get("messages") or []
        return text_of(messages[-1]) if messages else ""

    @property
    def all_text(self) -> str:
        return "\n".join(text_of(m) for m in self.body.get("messages") or [])


def text_of(message: Body) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def ledger(
    done: bool,
    speaker: str = "",
    instruction: str = "",
    *,
    progress: bool = True,
    loop: bool = False,
) -> str:
    def item(value: object) -> Body:
        return {"reason": "scripted", "answer": value}

    return json.dumps(
        {
            "is_request_satisfied": item(done),
            "is_in_loop": item(loop),
            "is_progress_being_made": item(progress),
            "next_speaker": item(speaker),
            "instruction_or_question": item(instruction),
        }
    )


AGENT_WORDS = re.compile(r"You (?:are the|coordinate) (\w+)")


def agent_of(body: Body) -> str | None:
    messages = body.get("messages") or []
    system = [text_of(m) for m in messages if m.get("role") == "system"]
    found = AGENT_WORDS.search(system[0]) if system else None
    if found is None:
        return None
    return "Orchestrator" if found.group(1) == "CryptoDesk" else found.group(1)


def answered(body: Body, agent: str) -> bool:
    """Whether the conversation a ledger request carries holds `agent`'s answer."""
    return any(f"{agent}: done" in text_of(m) for m in body.get("messages") or [])


def has_tool_result(body: Body) -> bool:
    """Whether this worker turn already called its tools (a tool message after the last user
    message, the worker's instruction)."""
    messages = body.get("messages") or []
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    start = users[-1] if users else 0
    return any(m.get("role") == "tool" for m in messages[start:])


def kind_of(body: Body) -> str:
    """Which Magentic call (or worker turn) a request is, from its last message."""
    messages = body.get("messages") or []
    last = text_of(messages[-1]) if messages else ""
    if "capability check" in last:
        return "probe"
    if "pre-survey" in last:
        return "facts"
    if "bullet-point plan" in last:
        return "plan"
    if "pure JSON format" in last:
        return "ledger"
    if "have no source" in last:
        return "repair"
    if "final report" in last.lower() and "ReportWriter" in json.dumps(messages[:1]):
        return "report"
    if "final answer" in last:
        return "final"
    if "price lookup" in last:
        return "fast"
    if body.get("tools"):
        return "worker"
    return "text"


Responder = Callable[["FakeLLM", Body, str], Reply]


def default_responder(llm: FakeLLM, body: Body, kind: str) -> Reply:
    """The happy path: the market analyst's price (a tool call in the manager's rounds, the
    gathered data in a first round), the other specialists briefly, then the report. The
    capability check gets a model that can do both."""
    convo = "\n".join(text_of(m) for m in body.get("messages") or [])
    if kind == "probe":
        if body.get("tools"):
            return Reply(tool_calls=[("ping", {"value": 1})])
        return Reply('{"ok": true}')
    if kind == "facts":
        return Reply("1. GIVEN OR VERIFIED FACTS\n- asset: BTC")
    if kind == "plan":
        return Reply("- CryptoMarketAnalyst: fetch the BTC price with get_crypto_price")
    if kind == "ledger":
        done = llm.count("worker") >= 2
        return Reply(
            ledger(
                done,
                "" if done else "CryptoMarketAnalyst",
                ""
                if done
                else "Fetch the current BTC price with get_crypto_price (coin: bitcoin).",
            )
        )
    if kind == "fast":
        return Reply("BTC is at the price get_crypto_price reported [get_crypto_price].")
    if kind in ("report", "final", "repair"):
        return Reply(
            "## BTC\nBTC trades at the price get_crypto_price reported (source: get_crypto_price)."
        )
    if kind == "worker":
        agent = agent_of(body) or "agent"
        if "already gathered" in convo:
            return Reply(f"{agent}: done; figures as the tools gave them.")
        if agent == "ChartingAgent" and not has_tool_result(body):
            return Reply(tool_calls=[("create_chart", {"coin": "bitcoin", "timeframe": "4h"})])
        if not has_tool_result(body):
            return Reply(tool_calls=[("get_crypto_price", {"coin": "bitcoin"})])
        return Reply(f"{agent}: done; BTC price fetched with get_crypto_price.")
    return Reply("ok " + convo[-20:])


class FakeLLM:
    def __init__(self, responder: Responder = default_responder) -> None:
        self.responder = responder
        self.requests: list[Recorded] = []
        self.delay_s = 0.0
        self.fail_status: int | None = None
        self.models = ["fake-model"]
        self.request_started = threading.Event()
        self.request_closed = threading.Event()
        self.in_flight = 0
        self.max_in_flight = 0
        self.stalled_at: float | None = None
        """When a reply that stalls sent its last chunk (epoch seconds)."""
        """The most chat requests the server was answering at the same time."""
        self._lock = threading.Lock()

    def count(self, kind: str) -> int:
        return sum(1 for r in self.requests if r.kind == kind)

    def of_kind(self, kind: str) -> list[Recorded]:
        return [r for r in self.requests if r.kind == kind]

    @property
    def run_requests(self) -> list[Recorded]:
        """The requests of runs (not the model lists, not the capability checks)."""
        return [r for r in self.requests if r.kind not in ("models", "probe")]

    @property
    def prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self.run_requests)

    @property
    def completion_tokens(self) -> int:
        return sum(r.completion_tokens for r in self.run_requests)

    @property
    def message_tokens(self) -> int:
        return sum(r.message_tokens for r in self.run_requests)

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    # ------------------------------------------------------------------ plumbing

    def _record(self, request: Request, body: Body) -> tuple[Recorded, Reply]:
        kind = kind_of(body)
        with self._lock:
            reply = self.responder(self, body, kind)
            if self.fail_status is not None:
                reply = Reply(status=self.fail_status)
            recorded = Recorded(
                request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                body,
                kind,
                {k.lower(): v for k, v in request.headers.items()},
            )
            messages = len(json.dumps(body.get("messages")))
            tools = len(json.dumps(body["tools"])) if body.get("tools") else 0
            recorded.message_tokens = max(1, messages // 4)
            recorded.prompt_tokens = max(1, (messages + tools) // 4)
            text = (reply.content or "") + json.dumps(reply.tool_calls)
            recorded.completion_tokens = max(1, len(text) // 4)
            self.requests.append(recorded)
        self.request_started.set()
        return recorded, reply

    async def _wait(self, request: Request, recorded: Recorded, seconds: float) -> bool:
        """Sleeps; True when the client closed the connection meanwhile. Inside a streaming
        response Starlette's own disconnect listener may see the hang-up first and cancel the
        stream: that is the client hanging up too."""
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                if await request.is_disconnected():
                    break
                await asyncio.sleep(0.01)
            else:
                return False
        except asyncio.CancelledError:
            self._hung_up(recorded)
            raise
        self._hung_up(recorded)
        return True

    def _hung_up(self, recorded: Recorded) -> None:
        recorded.closed_early = True
        self.request_closed.set()

    def _usage(self, recorded: Recorded) -> Body:
        return {
            "prompt_tokens": recorded.prompt_tokens,
            "completion_tokens": recorded.completion_tokens,
            "total_tokens": recorded.prompt_tokens + recorded.completion_tokens,
        }

    async def chat(self, request: Request) -> Response:
        body: Body = await request.json()
        recorded, reply = self._record(request, body)
        self._enter()
        try:
            waited = await self._wait(request, recorded, reply.delay_s or self.delay_s)
        except BaseException:
            self._leave()
            raise
        if waited or reply.status != 200 or not body.get("stream"):
            self._leave()
        if waited:
            return Response(status_code=499)
        if reply.status != 200:
            return JSONResponse(
                {"error": {"message": reply.content or "scripted failure", "type": "server_error"}},
                status_code=reply.status,
            )
        model = body.get("model", "fake-model")
        calls = [
            {
                "id": f"call_{len(self.requests)}_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message: Body = {"role": "assistant", "content": reply.content}
            if calls:
                message["tool_calls"] = calls
            return JSONResponse(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": self._usage(recorded),
                }
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(
            self._sse(request, recorded, reply, calls, finish, model, include_usage),
            media_type="text/event-stream",
        )

    async def _sse(
        self,
        request: Request,
        recorded: Recorded,
        reply: Reply,
        calls: list[Body],
        finish: str,
        model: str,
        include_usage: bool,
    ) -> AsyncIterator[str]:
        def chunk(delta: Body, finish_reason: str | None = None) -> str:
            payload = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }
            return f"data: {json.dumps(payload)}\n\n"

        try:
            async for part in self._chunks(request, recorded, reply, calls, finish, chunk):
                yield part
            if recorded.closed_early:
                return
            if include_usage:
                usage = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                    "choices": [],
                    "usage": self._usage(recorded),
                }
                yield f"data: {json.dumps(usage)}\n\n"
            yield "data: [DONE]\n\n"
        finally:
            self._leave()

    async def _chunks(
        self,
        request: Request,
        recorded: Recorded,
        reply: Reply,
        calls: list[Body],
        finish: str,
        chunk: Callable[..., str],
    ) -> AsyncIterator[str]:
        sent = 0

        async def pace() -> bool:
            """Before a chunk: its delay, or the stall; False once the client hung up."""
            nonlocal sent
            if reply.stall_after is not None and sent >= reply.stall_after:
                self.stalled_at = time.time()
                await self._wait(request, recorded, 3600)
                return False
            if reply.chunk_delay_s and await self._wait(request, recorded, reply.chunk_delay_s):
                return False
            sent += 1
            return True

        parts = [chunk({"role": "assistant", "content": ""})]
        for i, call in enumerate(calls):
            head = {"index": i, "id": call["id"], "type": "function"}
            parts.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                **head,
                                "function": {"name": call["function"]["name"], "arguments": ""},
                            }
                        ]
                    }
                )
            )
            arguments = call["function"]["arguments"]
            half = len(arguments) // 2
            for part in (arguments[:half], arguments[half:]):
                parts.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": part}}]}))
        if reply.content:
            words = reply.content.split(" ")
            for n, word in enumerate(words):
                parts.append(chunk({"content": word + (" " if n < len(words) - 1 else "")}))
        parts.append(chunk({}, finish))
        for part in parts:
            if not await pace():
                return
            yield part

    async def ollama_chat(self, request: Request) -> Response:
        body: Body = await request.json()
        recorded, reply = self._record(request, body)
        if await self._wait(request, recorded, reply.delay_s or self.delay_s):
            return Response(status_code=499)
        if reply.status != 200:
            return JSONResponse(
                {"error": reply.content or "scripted failure"}, status_code=reply.status
            )
        message: Body = {"role": "assistant", "content": reply.content or ""}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"function": {"name": name, "arguments": args}} for name, args in reply.tool_calls
            ]
        done: Body = {
            "model": body.get("model"),
            "created_at": "2026-01-01T00:00:00Z",
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": recorded.prompt_tokens,
            "eval_count": recorded.completion_tokens,
        }
        if body.get("stream", True) is False:
            return JSONResponse({**done, "message": message})
        lines = [
            {
                "model": body.get("model"),
                "created_at": "2026-01-01T00:00:00Z",
                "message": message,
                "done": False,
            },
            {**done, "message": {"role": "assistant", "content": ""}},
        ]
        return Response(
            "".join(json.dumps(line) + "\n" for line in lines), media_type="application/x-ndjson"
        )

    async def models_list(self, request: Request) -> Response:
        self.requests.append(Recorded(request.url.path, {}, "models", dict(request.headers)))
        if self.fail_status is not None:
            return JSONResponse({"error": {"message": "down"}}, status_code=self.fail_status)
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models]
        return JSONResponse({"object": "list", "data": data})

    async def ollama_tags(self, request: Request) -> Response:
        self.requests.append(Recorded(request.url.path, {}, "models", dict(request.headers)))
        return JSONResponse({"models": [{"name": m, "model": m} for m in self.models]})

    async def reset(self, request: Request) -> Response:
        """Forgets the recorded requests (a benchmark runs the server in its own process)."""
        with self._lock:
            self.requests.clear()
            self.max_in_flight = self.in_flight
            self.stalled_at = None
        return JSONResponse({"ok": True})

    async def stats(self, request: Request) -> Response:
        """What a benchmark in another process reads: the most requests in flight at once, the
        tokens billed and sent, and when a stalling reply sent its last chunk (epoch s)."""
        return JSONResponse(
            {
                "max_in_flight": self.max_in_flight,
                "requests": len(self.run_requests),
                "prompt_tokens": self.prompt_tokens,
                "message_tokens": self.message_tokens,
                "completion_tokens": self.completion_tokens,
                "stalled_at": self.stalled_at,
            }
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/openai/deployments/{dep}/chat/completions", self.chat, methods=["POST"]),
                Route("/api/chat", self.ollama_chat, methods=["POST"]),
                Route("/v1/models", self.models_list, methods=["GET"]),
                Route("/openai/models", self.models_list, methods=["GET"]),
                Route("/api/tags", self.ollama_tags, methods=["GET"]),
                Route("/_reset", self.reset, methods=["POST"]),
                Route("/_stats", self.stats, methods=["GET"]),
            ]
        )


class FakeLLMServer:
    def __init__(self, llm: FakeLLM) -> None:
        self.llm = llm
        self.port = free_port()
        config = uvicorn.Config(llm.app(), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake LLM server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def fake_llm_server(llm: FakeLLM | None = None) -> Iterator[FakeLLMServer]:
    server = FakeLLMServer(llm or FakeLLM())
    server.start()
    try:
        yield server
    finally:
        server.stop()


TEAM_STEPS: tuple[tuple[str, str, list[tuple[str, dict[str, Any]]]], ...] = (
    (
        "CryptoMarketAnalyst",
        "Fetch the current price of bitcoin with get_crypto_price and report it.",
        [("get_crypto_price", {"coin": "bitcoin"})],
    ),
    (
        "TechnicalAnalyst",
        "Compute the indicators and the support and resistance levels of bitcoin on the 4h "
        "timeframe with compute_indicators and find_key_levels; report trend and levels.",
        [
            ("compute_indicators", {"coin": "bitcoin", "timeframe": "4h"}),
            ("find_key_levels", {"coin": "bitcoin", "timeframe": "4h"}),
        ],
    ),
    (
        "ChartingAgent",
        "Draw a 4h candlestick chart of bitcoin with SMA, Bollinger and RSI and its levels.",
        [("create_chart", {"coin": "bitcoin", "timeframe": "4h"})],
    ),
)


PRICE = re.compile(
    r"\[get_crypto_price\][^\n$]*?(\$[\d,]+\.\d+)|get_crypto_price\(.*?-> [^$\n]*(\$[\d,]+\.\d+)"
)


def reported_price(body: Body) -> str:
    """The price get_crypto_price gave, as the report prompt quotes it."""
    found = PRICE.search("\n".join(text_of(m) for m in body.get("messages") or []))
    return next((g for g in found.groups() if g), "?") if found else "?"


def team_responder(llm: FakeLLM, body: Body, kind: str) -> Reply:
    """A standard "Analyze BTC on the 4h chart": price, technicals, chart, then the report.

    In the manager's rounds the ledger names the next specialist that has not answered yet; in a
    first round the data specialists read what was gathered and the ChartingAgent draws.
    """
    if kind == "facts":
        return Reply(
            "1. GIVEN OR VERIFIED FACTS\n- Asset: BTC; timeframe: 4h\n2. FACTS TO LOOK UP\n"
            "- price, indicators, levels (tools)\n3. FACTS TO DERIVE\n- trend\n"
            "4. EDUCATED GUESSES\n- none"
        )
    if kind == "plan":
        return Reply("\n".join(f"- {agent}: {instruction}" for agent, instruction, _ in TEAM_STEPS))
    if kind == "ledger":
        waiting = [step for step in TEAM_STEPS if not answered(body, step[0])]
        if not waiting:
            return Reply(ledger(True))
        agent, instruction, _ = waiting[0]
        return Reply(ledger(False, agent, instruction))
    if kind == "worker":
        agent = agent_of(body) or ""
        calls = next((c for a, _, c in TEAM_STEPS if a == agent), [])
        gathered = "already gathered" in text_of((body.get("messages") or [{}])[-1])
        if not gathered and not has_tool_result(body) and calls:
            return Reply(tool_calls=calls)
        return Reply(
            f"{agent}: done; the figures are in the tool results above, e.g. the price from "
            "get_crypto_price and RSI from compute_indicators."
        )
    if kind in ("report", "final", "repair"):
        return Reply(
            f"## BTC on the 4h chart\nBTC trades at {reported_price(body)} [1: get_crypto_price]. "
            "RSI and MACD [2: compute_indicators] point to a neutral trend; support and "
            "resistance [3: find_key_levels]; chart [4: create_chart].\n\n### Sources\n"
            "The tool results cited above."
        )
    return default_responder(llm, body, kind)


def stalling_team_responder(llm: FakeLLM, body: Body, kind: str) -> Reply:
    """The team scenario whose TechnicalAnalyst stops sending after a few tokens."""
    reply = team_responder(llm, body, kind)
    if kind == "worker" and agent_of(body) == "TechnicalAnalyst":
        reply.stall_after = 4
    return reply


SCENARIOS: dict[str, Responder] = {"team": team_responder, "stall": stalling_team_responder}


def main() -> None:
    """`python -m tests.engines.magentic.fake_llm PORT DELAY_S [team|stall]`: standalone."""
    import sys

    port, delay = int(sys.argv[1]), float(sys.argv[2])
    scenario = sys.argv[3] if len(sys.argv) > 3 else "team"
    llm = FakeLLM(SCENARIOS[scenario])
    llm.delay_s = delay
    uvicorn.run(llm.app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
