"""A scripted chat client (no HTTP): each call takes the next item of one shared script.

Items: a `str` is assistant text; a list of `(tool, arguments)` is tool calls, which the
framework's function-invocation layer runs. Used for unit tests of the team without a server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agent_framework import (
    BaseChatClient,
    ChatMiddlewareLayer,
    ChatResponse,
    ChatResponseUpdate,
    Content,
    FunctionInvocationLayer,
    Message,
)

Item = str | list[tuple[str, dict[str, Any]]]


class Script:
    def __init__(self, items: Sequence[Item]) -> None:
        self.items = list(items)
        self.calls: list[list[Message]] = []

    def next(self, messages: Sequence[Message]) -> list[Content]:
        self.calls.append(list(messages))
        item = self.items.pop(0)
        if isinstance(item, str):
            return [Content.from_text(item)]
        return [
            Content.from_function_call(
                call_id=f"call_{len(self.calls)}_{i}", name=name, arguments=json.dumps(args)
            )
            for i, (name, args) in enumerate(item)
        ]


class ScriptedChatClient(FunctionInvocationLayer, ChatMiddlewareLayer, BaseChatClient):  # type: ignore[misc]
    def __init__(self, script: Script, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script = script

    def _inner_get_response(
        self, *, messages: Any, stream: bool, options: Any, **kwargs: Any
    ) -> Any:
        usage = Content.from_usage({"input_token_count": 10, "output_token_count": 2})
        if stream:

            async def updates() -> AsyncIterator[ChatResponseUpdate]:
                contents = self.script.next(messages)
                if contents[0].type == "text":
                    for word in (contents[0].text or "").split(" "):
                        yield ChatResponseUpdate(
                            role="assistant", contents=[Content.from_text(word + " ")]
                        )
                else:
                    yield ChatResponseUpdate(role="assistant", contents=contents)
                yield ChatResponseUpdate(role="assistant", contents=[usage], finish_reason="stop")

            return self._build_response_stream(updates())

        async def response() -> ChatResponse:
            return ChatResponse(
                messages=[Message(role="assistant", contents=self.script.next(messages))],
                usage_details={"input_token_count": 10, "output_token_count": 2},
            )

        return response()
