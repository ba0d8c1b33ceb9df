"""Runs owned by a lease (several replicas on one database), one unfinished run per conversation,
and the counters replicas compare before a run (settings and secrets changed elsewhere).

Revision ID: 0005_replicas
Revises: 0005_watch
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from cryptodesk.store.models import UTCDateTime

revision = "0005_replicas"
down_revision = "0005_watch"
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('pending', 'running')"


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_epoch", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("cancel_requested_at", UTCDateTime(), nullable=True))
    _end_all_but_the_newest_unfinished_run_per_conversation()
    op.create_index(
        "uq_runs_one_active",
        "runs",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text(UNFINISHED),
        postgresql_where=sa.text(UNFINISHED),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("counters")
    op.drop_index("uq_runs_one_active", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("cancel_requested_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_epoch")
        batch.drop_column("owner")


def _end_all_but_the_newest_unfinished_run_per_conversation() -> None:
    """Processes that did not share runs could leave two unfinished runs in one conversation;
    the unique index needs one at most. The older ones end `failed` as a restart ends a run:
    an error frame and the terminal status, after the frames they have."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            f"SELECT id, conversation_id FROM runs WHERE {UNFINISHED} "  # noqa: S608 - constant
            "ORDER BY conversation_id, created_at DESC, id DESC"
        )
    ).all()
    seen: set[str] = set()
    for run_id, conversation_id in rows:
        if conversation_id not in seen:
            seen.add(conversation_id)
            continue
        _end(bind, run_id, conversation_id)


def _end(bind: sa.Connection, run_id: str, conversation_id: str) -> None:
    now = datetime.now(UTC)
    last = bind.execute(
        sa.text("SELECT COALESCE(MAX(seq), 0) FROM run_events WHERE run_id = :r"), {"r": run_id}
    ).scalar_one()
    message = "The server restarted while this run was in progress."
    ids = {"run_id": run_id, "conversation_id": conversation_id, "replay": False}
    stamp = {"v": 1, "timestamp": now.isoformat().replace("+00:00", "Z")}
    error = {
        **stamp,
        "type": "error",
        "code": "server_restart",
        "message": message,
        "details": "Ask again to start a new run.",
        "recoverable": False,
        **ids,
        "seq": last + 1,
    }
    status = {
        **stamp,
        "type": "status",
        "status": "failed",
        "message": f"Run failed: {message}",
        "final": True,
        **ids,
        "seq": last + 2,
        "active_run": None,
        "engine": None,
    }
    events = sa.table(
        "run_events",
        sa.column("run_id"),
        sa.column("seq"),
        sa.column("type"),
        sa.column("frame"),
        sa.column("created_at", UTCDateTime()),
    )
    bind.execute(
        events.insert(),
        [
            {"run_id": run_id, "seq": f["seq"], "type": f["type"], "frame": json.dumps(f)}
            | {"created_at": now}
            for f in (error, status)
        ],
    )
    runs = sa.table(
        "runs",
        sa.column("id"),
        sa.column("status"),
        sa.column("error_code"),
        sa.column("error_message"),
        sa.column("last_seq"),
        sa.column("finished_at", UTCDateTime()),
    )
    bind.execute(
        runs.update()
        .where(runs.c.id == run_id)
        .values(
            status="failed",
            error_code="server_restart",
            error_message=message,
            last_seq=last + 2,
            finished_at=now,
        )
    )
