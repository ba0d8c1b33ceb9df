"""Login sessions that /logout revoked, and the session generation "log out everywhere" bumps.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from cryptodesk.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        "session_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    # The row exists from the start, so a bump is one atomic UPDATE on every replica.
    op.bulk_insert(state, [{"key": "generation", "value": 1, "updated_at": datetime.now(UTC)}])
    op.create_table(
        "revoked_sessions",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_revoked_sessions_expires_at", "revoked_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revoked_sessions_expires_at", "revoked_sessions")
    op.drop_table("revoked_sessions")
    op.drop_table("session_state")
