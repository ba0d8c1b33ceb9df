"""Conversations and their messages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update

from cryptodesk.domain.display import display_text
from cryptodesk.domain.format import clip
from cryptodesk.errors import ConflictError, NotFoundError
from cryptodesk.redaction import scrub
from cryptodesk.store.failures import SessionFactory
from cryptodesk.store.ids import new_id
from cryptodesk.store.models import ChartRow, ConversationRow, MessageRow, RunEventRow, RunRow
from cryptodesk.store.records import Conversation, ConversationSummary, Message, Role

TITLE_CHARS = 80
UNFINISHED = ("pending", "running")


def title_from(question: str) -> str:
    """A one-line title from the first question, without control or bidi characters."""
    flat = " ".join(display_text(" ".join(question.split())).split()) or "Untitled"
    return clip(flat, TITLE_CHARS)


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(row.id, row.title, row.created_at, row.updated_at)


def _message(row: MessageRow) -> Message:
    role: Role = "user" if row.role == "user" else "assistant"
    return Message(row.id, row.conversation_id, role, row.content, row.run_id, row.created_at)


class ConversationRepo:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def create(self, title: str) -> Conversation:
        now = datetime.now(UTC)
        row = ConversationRow(id=new_id(), title=title_from(title), created_at=now, updated_at=now)
        async with self._sessions() as s:
            s.add(row)
            await s.commit()
        return _conversation(row)

    async def get(self, conversation_id: str) -> Conversation:
        async with self._sessions() as s:
            row = await s.get(ConversationRow, conversation_id)
        if row is None:
            raise NotFoundError("conversation", conversation_id)
        return _conversation(row)

    async def exists(self, conversation_id: str) -> bool:
        async with self._sessions() as s:
            return await s.get(ConversationRow, conversation_id) is not None

    async def page(self, limit: int, offset: int) -> tuple[list[ConversationSummary], int]:
        counts = (
            select(MessageRow.conversation_id, func.count().label("n"))
            .group_by(MessageRow.conversation_id)
            .subquery()
        )
        query = (
            select(ConversationRow, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.conversation_id == ConversationRow.id)
            .order_by(ConversationRow.updated_at.desc(), ConversationRow.id)
            .limit(limit)
            .offset(offset)
        )
        async with self._sessions() as s:
            total = (
                await s.execute(select(func.count()).select_from(ConversationRow))
            ).scalar_one()
            rows = (await s.execute(query)).all()
        items = [
            ConversationSummary(c.id, c.title, c.created_at, c.updated_at, int(n)) for c, n in rows
        ]
        return items, int(total)

    async def rename(self, conversation_id: str, title: str) -> Conversation:
        # One conditional UPDATE: a conversation deleted meanwhile is a 404, never a stale row.
        async with self._sessions() as s:
            result = await s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(title=title, updated_at=datetime.now(UTC))
                .returning(ConversationRow)
            )
            row = result.scalar()
            if row is None:
                raise NotFoundError("conversation", conversation_id)
            conversation = _conversation(row)
            await s.commit()
        return conversation

    async def delete(self, conversation_id: str) -> None:
        """Deletes the conversation with its messages, runs, run events and charts.

        `ConflictError` while it has an unfinished run. The conversation is locked first (the
        UPDATE takes SQLite's write lock, FOR UPDATE PostgreSQL's row lock, which a new run's
        foreign key check waits for), so a run started meanwhile is either seen here or refused
        as not found, never left without its conversation.
        """
        async with self._sessions() as s:
            await s.execute(
                select(ConversationRow.id)
                .where(ConversationRow.id == conversation_id)
                .with_for_update()
            )
            locked = await s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(updated_at=datetime.now(UTC))
            )
            if locked.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFoundError("conversation", conversation_id)
            unfinished = await s.execute(
                select(RunRow.id)
                .where(RunRow.conversation_id == conversation_id, RunRow.status.in_(UNFINISHED))
                .limit(1)
            )
            run_id = unfinished.scalar()
            if run_id is not None:
                raise ConflictError(
                    f"conversation {conversation_id} has an unfinished run ({run_id}); "
                    "cancel it first"
                )
            run_ids = select(RunRow.id).where(RunRow.conversation_id == conversation_id)
            await s.execute(delete(RunEventRow).where(RunEventRow.run_id.in_(run_ids)))
            await s.execute(delete(ChartRow).where(ChartRow.conversation_id == conversation_id))
            await s.execute(delete(RunRow).where(RunRow.conversation_id == conversation_id))
            await s.execute(delete(MessageRow).where(MessageRow.conversation_id == conversation_id))
            await s.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))
            await s.commit()

    async def add_message(
        self, conversation_id: str, role: Role, content: str, run_id: str | None
    ) -> Message:
        now = datetime.now(UTC)
        row = MessageRow(
            id=new_id(),
            conversation_id=conversation_id,
            role=role,
            content=scrub(content),  # a report quoting a secret must not keep it at rest
            run_id=run_id,
            created_at=now,
        )
        async with self._sessions() as s:
            s.add(row)
            await s.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(updated_at=now)
            )
            await s.commit()
        return _message(row)

    async def messages(self, conversation_id: str) -> list[Message]:
        query = (
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id)
            .order_by(MessageRow.created_at, MessageRow.id)
        )
        async with self._sessions() as s:
            return [_message(r) for r in (await s.execute(query)).scalars()]
