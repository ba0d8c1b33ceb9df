"""`cryptodesk ask`: in-process, or against a running server over the WebSocket."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import SecretStr

from cryptodesk.config import Settings
from cryptodesk.desk import Desk
from cryptodesk.realtime.closecodes import RECONNECT_CODES, CloseCode
from cryptodesk.realtime.hub import QueueListener
from cryptodesk.terminal.view import FrameView, is_terminal

log = logging.getLogger(__name__)


async def ask_in_process(
    settings: Settings, question: str, conversation_id: str | None, view: FrameView
) -> bool:
    """Runs the question in this process, against the same store the server uses."""
    desk = await Desk.open(settings, jobs=False)
    listener = QueueListener()
    try:
        view.show({"type": "status", "status": "connected", "engine": desk.engines.describe()})
        started = await desk.runs.start(
            question,
            conversation_id=conversation_id,
            on_created=lambda cid: desk.hub.subscribe(listener, cid),
        )
        try:
            while True:
                frame = await listener.queue.get()
                if frame.run_id != started.run_id:
                    continue
                data: dict[str, Any] = json.loads(frame.text)
                view.show(data)
                if is_terminal(data):
                    break
        except asyncio.CancelledError:
            await desk.runs.cancel(started.run_id, "interrupted from the terminal")
            await desk.runs.wait(started.run_id)
            raise
    finally:
        desk.hub.remove(listener)
        await desk.close()
    return view.final_status == "completed"


def stream_url(server: str, params: dict[str, str]) -> str:
    parts = urlsplit(server if "://" in server else f"ws://{server}")
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path and parts.path != "/" else "/ws/stream"
    query = f"?{urlencode(params)}" if params else ""
    return f"{scheme}://{parts.netloc}{path}{query}"


async def ask_over_websocket(
    server: str,
    question: str,
    conversation_id: str | None,
    view: FrameView,
    token: SecretStr | None = None,
) -> bool:
    """Sends one `chat` frame and follows its run, resuming with `after_seq` after a drop.
    `token` is the server's access token (sent as a Bearer header, never in the URL)."""
    import websockets
    from websockets.exceptions import ConnectionClosed

    run_id: str | None = None
    last_seq = 0
    chat: dict[str, Any] = {"type": "chat", "payload": {"message": question}}
    if conversation_id:
        chat["payload"]["conversation_id"] = conversation_id
    attempts = 0
    while True:
        params = {"run_id": run_id, "after_seq": str(last_seq)} if run_id else {}
        try:
            headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
            async with websockets.connect(
                stream_url(server, params), max_size=2**24, additional_headers=headers
            ) as ws:
                attempts = 0
                if run_id is None:
                    await ws.send(json.dumps(chat))
                async for raw in ws:
                    frame: dict[str, Any] = json.loads(raw)
                    if frame.get("type") == "error" and frame.get("run_id") is None:
                        view.show(frame)
                        if run_id is None:
                            return False
                        continue
                    if frame.get("type") == "status" and frame.get("status") == "connected":
                        if run_id is None:
                            view.show(frame)
                        continue
                    if run_id is None and frame.get("run_id"):
                        run_id = str(frame["run_id"])
                    if frame.get("run_id") != run_id or "seq" not in frame:
                        continue
                    seq = int(frame["seq"])
                    if seq <= last_seq:
                        continue
                    last_seq = seq
                    view.show(frame)
                    if is_terminal(frame):
                        return view.final_status == "completed"
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else CloseCode.ABNORMAL
            if code not in RECONNECT_CODES or run_id is None:
                raise SystemExit(f"connection closed ({code})") from exc
        except OSError as exc:
            if run_id is None:
                log.info("connecting to %s failed: %r", server, exc)
                raise SystemExit(
                    f"cannot reach a CryptoDesk server at {server} (is `cryptodesk serve` "
                    "running there?)"
                ) from exc
        attempts += 1
        if attempts > 10:
            raise SystemExit("gave up reconnecting")
        await asyncio.sleep(min(0.2 * 2**attempts, 5.0))
