"""`WS /ws/stream`: parses client frames, subscribes the socket, never owns a run."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from cryptodesk.desk import Desk
from cryptodesk.errors import CryptoDeskError, NotFoundError, StorageError
from cryptodesk.realtime.closecodes import CloseCode
from cryptodesk.realtime.hub import Direct, Replay, Subscriber
from cryptodesk.realtime.origin import origin_allowed
from cryptodesk.realtime.protocol import (
    MAX_FRAME_BYTES,
    MAX_SEQ,
    ActiveRun,
    CancelFrame,
    ChatFrame,
    ErrorFrame,
    PingFrame,
    PongFrame,
    RunState,
    ServerPingFrame,
    StatusFrame,
    client_frame_adapter,
    dump_frame,
)
from cryptodesk.realtime.ratelimit import TokenBucket

log = logging.getLogger(__name__)
router = APIRouter()

BAD_FRAMES_BEFORE_CLOSE = 20


def _error(code: str, message: str, details: str | None = None) -> str:
    return dump_frame(ErrorFrame(code=code, message=message, details=details, recoverable=True))


def _validation_details(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "frame"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


class Connection:
    """One socket's session: its subscriber, its limits and what it follows."""

    def __init__(self, desk: Desk, ws: WebSocket) -> None:
        self.desk = desk
        self.ws = ws
        settings = desk.settings
        self.sub = Subscriber(ws, desk.runs.events_after, settings.subscriber_queue_size)
        self.chat_bucket = TokenBucket(settings.chat_rate_per_minute, 60.0)
        self.bad_bucket = TokenBucket(BAD_FRAMES_BEFORE_CLOSE, 60.0)
        self.current_conversation: str | None = None

    def send(self, text: str) -> None:
        self.sub.offer(Direct(text))

    def follow(self, conversation_id: str, ended_runs: Iterable[str] = ()) -> None:
        """Subscribes the socket to the conversation; `ended_runs` had ended before."""
        if conversation_id not in self.sub.conversations:
            self.sub.ended_runs.update(ended_runs)
        self.desk.hub.subscribe(self.sub, conversation_id)
        self.current_conversation = conversation_id

    async def handle(self, raw: str) -> None:
        try:
            frame = client_frame_adapter.validate_json(raw)
        except ValidationError as exc:
            self.bad_input(_validation_details(exc))
            return
        if isinstance(frame, ChatFrame):
            await self.chat(frame)
        elif isinstance(frame, CancelFrame):
            await self.cancel(frame)
        elif isinstance(frame, PingFrame):
            await self.pong()

    def bad_input(self, details: str) -> None:
        if not self.bad_bucket.take():
            self.sub.close_soon(CloseCode.POLICY, "too many bad frames")
            return
        self.send(_error("bad_request", "The frame was not understood.", details))

    async def chat(self, frame: ChatFrame) -> None:
        payload = frame.payload
        if not self.chat_bucket.take():
            wait = self.chat_bucket.seconds_until_available()
            self.send(
                _error(
                    "rate_limited",
                    "Too many questions in a short time.",
                    f"retry after {wait:.1f} s",
                )
            )
            if not self.bad_bucket.take():
                self.sub.close_soon(CloseCode.POLICY, "rate limit abuse")
            return
        options = payload.options
        asked_in = payload.conversation_id
        try:
            ended: frozenset[str] = frozenset()
            if asked_in is not None and asked_in not in self.sub.conversations:
                ended = (await self.desk.runs.conversation_runs(asked_in)).ended
            started = await self.desk.runs.start(
                payload.message,
                conversation_id=asked_in,
                client_msg_id=payload.client_msg_id,
                max_turns=options.max_turns if options else None,
                engine=options.engine if options else None,
                on_created=lambda conversation_id: self.follow(conversation_id, ended),
            )
        except CryptoDeskError as exc:  # not found, run active, storage failed, ...
            self.send(_error(exc.code, exc.message))
            return
        except Exception:
            # A failure of ours must not take the socket (and the runs it follows) with it.
            log.exception("could not start a run")
            self.send(
                _error("internal_error", "The run could not be started.", "See the server log.")
            )
            return
        if not started.created:
            self.sub.offer(Replay(started.run_id, 0))

    async def cancel(self, frame: CancelFrame) -> None:
        run_id = frame.payload.run_id
        try:
            if run_id is None:
                active = (
                    await self.desk.runs.active_run(self.current_conversation)
                    if self.current_conversation
                    else None
                )
                if active is None:
                    return  # nothing running: cancel is idempotent
                run_id = active.run_id
            await self.desk.runs.cancel(run_id)
        except NotFoundError as exc:
            self.send(_error("not_found", exc.message))
        except StorageError as exc:
            self.send(_error(exc.code, exc.message))

    async def pong(self) -> None:
        runs: dict[str, RunState] = {}
        for run_id in tuple(self.sub.last_sent):
            with contextlib.suppress(NotFoundError):
                status, last_seq = await self.desk.runs.state(run_id)
                runs[run_id] = RunState(status=status, last_seq=last_seq)
        self.send(dump_frame(PongFrame(runs=runs)))


def _after_seq(raw: str | None) -> int | None:
    """The query's `after_seq`, or None when it is not an integer in 0..MAX_SEQ."""
    if raw is None:
        return 0
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_SEQ)):
        return None
    value = int(raw)
    return value if value <= MAX_SEQ else None


async def _resolve_target(
    desk: Desk, conversation_id: str | None, run_id: str | None
) -> tuple[str | None, str | None]:
    """Checks the ids of the query string; returns (conversation_id, run_id)."""
    if run_id is not None:
        run = await desk.store.runs.get(run_id)
        if conversation_id is not None and conversation_id != run.conversation_id:
            raise NotFoundError("run", f"{run_id} in conversation {conversation_id}")
        return run.conversation_id, run_id
    if conversation_id is not None:
        await desk.store.conversations.get(conversation_id)
    return conversation_id, None


@router.websocket("/ws/stream")
async def stream(ws: WebSocket) -> None:
    desk: Desk = ws.app.state.desk
    settings = desk.settings
    if not origin_allowed(
        ws.headers.get("origin"), ws.headers.get("host"), settings.allowed_origins
    ):
        log.warning("rejected WebSocket from origin %s", ws.headers.get("origin"))
        await ws.close(code=CloseCode.POLICY)  # before accept: the client gets HTTP 403
        return
    params = ws.query_params
    after_seq = _after_seq(params.get("after_seq"))
    if after_seq is None:
        await ws.accept()
        await ws.send_text(
            _error("bad_request", f"after_seq must be an integer from 0 to {MAX_SEQ}")
        )
        await ws.close(code=CloseCode.POLICY)
        return
    try:
        conversation_id, run_id = await _resolve_target(
            desk, params.get("conversation_id"), params.get("run_id")
        )
    except NotFoundError as exc:
        await ws.accept()
        await ws.send_text(_error("not_found", exc.message))
        await ws.close(code=CloseCode.NOT_FOUND, reason=exc.message[:120])
        return
    except StorageError as exc:
        await ws.accept()
        await ws.send_text(_error(exc.code, exc.message))
        await ws.close(code=CloseCode.UNAVAILABLE, reason="storage unavailable")
        return

    await ws.accept()
    conn = Connection(desk, ws)
    desk.hub.add(conn.sub)
    conn.sub.start()
    try:
        await _greet(conn, conversation_id, run_id, after_seq)
        await _read_loop(conn)
    finally:
        desk.hub.remove(conn.sub)
        await conn.sub.stop()


async def _greet(
    conn: Connection, conversation_id: str | None, run_id: str | None, after_seq: int
) -> None:
    desk = conn.desk
    active = None
    runs = await desk.runs.conversation_runs(conversation_id) if conversation_id else None
    if run_id is not None:
        status, last_seq = await desk.runs.state(run_id)
        active = ActiveRun(run_id=run_id, status=status, last_seq=last_seq)
    elif runs is not None and runs.active is not None:  # here or on another replica
        running = runs.active
        active = ActiveRun(run_id=running.run_id, status=running.status, last_seq=running.last_seq)
    conn.send(
        dump_frame(
            StatusFrame(
                status="connected",
                message="Connected to CryptoDesk",
                conversation_id=conversation_id,
                active_run=active,
                engine=desk.engines.describe(),
            )
        )
    )
    if conversation_id is None or runs is None:
        return
    conn.follow(conversation_id, runs.ended)
    if run_id is not None and active is not None:
        if after_seq > active.last_seq:
            conn.send(
                dump_frame(
                    StatusFrame(
                        status="resync",
                        message=f"after_seq {after_seq} is beyond the run's last seq "
                        f"{active.last_seq}; replaying the whole run",
                        run_id=run_id,
                        conversation_id=conversation_id,
                    )
                )
            )
            after_seq = 0
        conn.sub.offer(Replay(run_id, after_seq))
    elif active is not None:
        conn.sub.offer(Replay(active.run_id, 0))


async def _read_loop(conn: Connection) -> None:
    ws = conn.ws
    idle = conn.desk.settings.client_idle_ping_s
    while not conn.sub.closed:
        try:
            message = await asyncio.wait_for(ws.receive(), timeout=idle)
        except TimeoutError:
            conn.send(dump_frame(ServerPingFrame()))
            continue
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            data = message.get("bytes") or b""
            if len(data) > MAX_FRAME_BYTES:
                conn.sub.close_soon(CloseCode.TOO_BIG, "frame too big")
                return
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                conn.bad_input("binary frames must be UTF-8 JSON")
                continue
        if len(text.encode("utf-8")) > MAX_FRAME_BYTES:
            conn.sub.close_soon(CloseCode.TOO_BIG, "frame too big")
            return
        try:
            await conn.handle(text)
        except WebSocketDisconnect:
            return
        except json.JSONDecodeError:
            conn.bad_input("not JSON")
