"""The REST answers' last line of defence: text responses leave without the value of any
configured secret (`redaction.SECRETS`), whatever produced them: a handler, an error handler,
FastAPI's own validation errors.

Only text types are looked at (JSON, plain text, markdown, HTML); the web app's scripts, chart
images and other files pass untouched. Nothing is buffered while no secret is configured.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cryptodesk.redaction import SECRETS

TEXT_TYPES = ("application/json", "text/plain", "text/markdown", "text/html")


class ScrubResponses:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD" or not SECRETS.active:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def scrubbing_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = MutableHeaders(raw=message["headers"]).get("content-type", "")
                if content_type.split(";")[0].strip().lower() in TEXT_TYPES:
                    start = message  # held until the whole body is known
                    return
                await send(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = SECRETS.scrub_bytes(b"".join(chunks))
            headers = MutableHeaders(raw=start["headers"])
            if "content-length" in headers:
                headers["content-length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, scrubbing_send)
