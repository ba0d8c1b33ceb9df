"""The engine interface: a question plus conversation history in, domain events out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from cryptodesk.domain.events import EventSink


@dataclass(frozen=True, slots=True)
class HistoryMessage:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class RunRequest:
    run_id: str
    conversation_id: str
    question: str
    history: tuple[HistoryMessage, ...]
    max_turns: int


class Engine(Protocol):
    """Answers one question. Emits every step, tool call and the final `Report` into `sink`.

    Must let `asyncio.CancelledError` propagate. Raises `CryptoDeskError` for failures a user
    should see; the run manager turns them into an `error` frame and a failed run.
    """

    @property
    def name(self) -> str: ...

    async def run(self, request: RunRequest, sink: EventSink) -> None: ...
