"""Conversation history: list, read, rename, delete, export."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from cryptodesk.api.deps import DeskDep
from cryptodesk.api.records import feedback_out
from cryptodesk.api.responses import STORAGE, errors
from cryptodesk.api.schemas import (
    ChartRef,
    ConversationDetail,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    MessageOut,
    RunOut,
    UsageOut,
)
from cryptodesk.errors import ConflictError
from cryptodesk.export import conversation_markdown
from cryptodesk.runs.frames import chart_url
from cryptodesk.store.records import Feedback, Run

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


class MarkdownResponse(PlainTextResponse):
    media_type = "text/markdown"


MAX_PAGE = 200
MAX_OFFSET = 2**31 - 1
"""Offsets past any real history; larger ones overflow the databases' 64-bit integers."""


def run_out(run: Run, feedback: Feedback | None = None) -> RunOut:
    usage = UsageOut.model_validate(json.loads(run.usage_json)) if run.usage_json else None
    return RunOut(
        id=run.id,
        conversation_id=run.conversation_id,
        question=run.question,
        status=run.status,
        engine=run.engine,
        last_seq=run.last_seq,
        error_code=run.error_code,
        error_message=run.error_message,
        usage=usage,
        created_at=run.created_at,
        finished_at=run.finished_at,
        feedback=feedback_out(feedback) if feedback is not None else None,
    )


@router.get("", response_model=ConversationPage, responses=errors(422, *STORAGE))
async def list_conversations(
    desk: DeskDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ConversationPage:
    items, total = await desk.store.conversations.page(limit, offset)
    return ConversationPage(
        items=[
            ConversationOut(
                id=c.id,
                title=c.title,
                created_at=c.created_at,
                updated_at=c.updated_at,
                message_count=c.message_count,
            )
            for c in items
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/{conversation_id}", response_model=ConversationDetail, responses=errors(404, *STORAGE)
)
async def get_conversation(conversation_id: str, desk: DeskDep) -> ConversationDetail:
    store = desk.store
    conversation = await store.conversations.get(conversation_id)
    messages = await store.conversations.messages(conversation_id)
    runs = await store.runs.for_conversation(conversation_id)
    charts = await store.charts.for_conversation(conversation_id)
    feedback = await store.feedback.for_runs([r.id for r in runs])
    active = await desk.runs.active_run(conversation_id)
    return ConversationDetail(
        id=conversation.id,
        title=conversation.title,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        messages=[
            MessageOut(
                id=m.id, role=m.role, content=m.content, run_id=m.run_id, created_at=m.created_at
            )
            for m in messages
        ],
        runs=[run_out(r, feedback.get(r.id)) for r in runs],
        charts=[
            ChartRef(
                id=c.id,
                run_id=c.run_id,
                symbol=c.symbol,
                interval=c.interval,
                title=c.title,
                url=chart_url(c.id),
                created_at=c.created_at,
            )
            for c in charts
        ],
        active_run_id=active.run_id if active else None,
    )


@router.patch(
    "/{conversation_id}",
    response_model=ConversationOut,
    responses=errors(400, 404, 413, 422, *STORAGE),
)
async def rename_conversation(
    conversation_id: str, patch: ConversationPatch, desk: DeskDep
) -> ConversationOut:
    c = await desk.store.conversations.rename(conversation_id, patch.title)
    count = len(await desk.store.conversations.messages(conversation_id))
    return ConversationOut(
        id=c.id,
        title=c.title,
        created_at=c.created_at,
        updated_at=c.updated_at,
        message_count=count,
    )


@router.delete("/{conversation_id}", status_code=204, responses=errors(404, 409, *STORAGE))
async def delete_conversation(conversation_id: str, desk: DeskDep) -> Response:
    await desk.store.conversations.get(conversation_id)
    active = await desk.runs.active_run(conversation_id)
    if active is not None:
        raise ConflictError(
            f"conversation {conversation_id} has an active run ({active.run_id}); cancel it first"
        )
    await desk.store.conversations.delete(conversation_id)  # checks again, in its transaction
    return Response(status_code=204)


@router.get(
    "/{conversation_id}/export",
    response_class=MarkdownResponse,
    responses=errors(
        404,
        *STORAGE,
        success={"description": "The conversation as a markdown file."},
        json_route=False,
    ),
)
async def export_conversation(conversation_id: str, desk: DeskDep) -> MarkdownResponse:
    store = desk.store
    conversation = await store.conversations.get(conversation_id)
    runs = await store.runs.for_conversation(conversation_id)
    run_ids = [run.id for run in runs]
    text = conversation_markdown(
        conversation,
        await store.conversations.messages(conversation_id),
        runs,
        await store.charts.for_conversation(conversation_id),
        results=await store.runs.result_frames(run_ids),
        calls=await store.calls.for_runs(run_ids),
        feedback=await store.feedback.for_runs(run_ids),
    )
    filename = f"cryptodesk-{conversation_id[:8]}.md"
    return MarkdownResponse(
        text,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
