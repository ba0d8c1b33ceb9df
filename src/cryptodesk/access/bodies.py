"""Request bodies are bounded before anything reads them: a declared `Content-Length` over the
limit is answered 413 at once, and a streamed (chunked) body is counted as it arrives and
answered 413 as soon as it passes the limit. Nothing reads more than the limit into memory.

The limits are per path: /login takes a one-field form, the API small JSON documents.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGIN_LIMIT = 8 * 1024
DEFAULT_LIMIT = 1024 * 1024
LIMITS: dict[str, int] = {"/login": LOGIN_LIMIT, "/logout": LOGIN_LIMIT}


def limit_for(path: str) -> int:
    return LIMITS.get(path, DEFAULT_LIMIT)


class BodyTooLargeError(Exception):
    """Raised into the app's `receive` when the body passes the limit (the 413 is already sent)."""


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _too_large(send, limit)
                    raise BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the app's own answer to the failed read: the 413 went out instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLargeError:
            pass  # answered; uvicorn closes the connection with the rest of the body unread


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"detail": f"the request body is larger than {limit} bytes", "code": "too_large"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
