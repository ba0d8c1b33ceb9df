"""How connections reach the app: uvicorn's HTTP and WebSocket protocols, with two fixes.

- `HttpProtocol`: a request must arrive whole (request line, headers and body) within
  `REQUEST_TIMEOUT_S` of its first byte, and a new connection must start one within that time.
  uvicorn has no such deadline: `timeout_keep_alive` only covers the idle time between requests
  and every byte received resets it, so a client trickling a partial request (slowloris) held
  its connection forever. Late requests get `408 Request Timeout`; the connection is closed.
- `WebSocketProtocol`: a handshake that websockets refuses before it becomes a request (a
  request line or header line over 8 KiB, too many headers) gets the answer websockets prepared
  (414, 431) and the connection is closed. uvicorn (0.54) never sent that answer: the connection
  stayed open, silent, until the client gave up.

Both are uvicorn's own classes otherwise; `serving.UVICORN_OPTIONS` selects them.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 10.0
"""From a connection's start, or a request's first byte, until the whole request is in."""

REQUEST_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 32\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"The request took too long to send"
)


class HttpProtocol(HttpToolsProtocol):
    request_timeout_s = REQUEST_TIMEOUT_S

    _deadline: asyncio.TimerHandle | None = None
    _in_headers = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True
        self._arm()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the WebSocket protocol takes over, with its own pings
        super().handle_websocket_upgrade()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._in_headers:
            log.info("closing %s: its request was not complete in time", _peer(self.client))
            self.transport.write(REQUEST_TIMEOUT_RESPONSE)
        self.transport.close()


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.handshake_initiated and self.conn.handshake_exc is not None:
            # Refused before it was a request: uvicorn saw no event, so it sent nothing.
            output = self.conn.data_to_send()
            self.handshake_complete = True
            self.close_sent = True
            self.transport.write(b"".join(output))
            self.transport.close()


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "a client"
