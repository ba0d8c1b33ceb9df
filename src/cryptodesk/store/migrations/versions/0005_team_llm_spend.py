"""The LLM spending ledger (the daily cap across runs and replicas).

Revision ID: 0005_team
Revises: 0005_record
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cryptodesk.store.models import UTCDateTime

revision = "0005_team"
down_revision = "0005_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_spend",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("engine", sa.String(200), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_llm_spend_day", "llm_spend", ["day"])
    op.create_index("ix_llm_spend_run_id", "llm_spend", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_llm_spend_run_id", table_name="llm_spend")
    op.drop_index("ix_llm_spend_day", table_name="llm_spend")
    op.drop_table("llm_spend")
