"""The track record: calls and their settlements, saved backtests, feedback on answers.

Revision ID: 0005_record
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cryptodesk.store.models import UTCDateTime

revision = "0005_record"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backtests",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("symbols", sa.String(400), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
        sa.Column("every_s", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("call_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column(
            "backtest_id",
            sa.String(64),
            sa.ForeignKey("backtests.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("coin_id", sa.String(100), nullable=True),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("as_of", UTCDateTime(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("bias", sa.String(16), nullable=False),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("support", sa.Float(), nullable=True),
        sa.Column("resistance", sa.Float(), nullable=True),
        sa.Column("invalidation", sa.Float(), nullable=True),
        sa.Column("bull_target", sa.Float(), nullable=True),
        sa.Column("bear_target", sa.Float(), nullable=True),
        sa.Column("horizon_bars", sa.Integer(), nullable=False),
        sa.Column("horizon_ends_at", UTCDateTime(), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("data_labels", sa.Text(), nullable=False),
        sa.Column("outlook", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pending_reason", sa.Text(), nullable=True),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("return_pct", sa.Float(), nullable=True),
        sa.Column("agreed", sa.Boolean(), nullable=True),
        sa.Column("mfe_pct", sa.Float(), nullable=True),
        sa.Column("mae_pct", sa.Float(), nullable=True),
        sa.Column("first_touch", sa.String(16), nullable=True),
        sa.Column("touched_at", UTCDateTime(), nullable=True),
        sa.Column("exit_price", sa.Float(), nullable=True),
        sa.Column("settled_candles", sa.Integer(), nullable=True),
        sa.Column("settled_missing", sa.Integer(), nullable=True),
        sa.Column("settled_source", sa.Text(), nullable=True),
        sa.Column("band_pct", sa.Float(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
    )
    op.create_index("ix_calls_run_id", "calls", ["run_id"])
    op.create_index("ix_calls_backtest_as_of", "calls", ["backtest_id", "as_of"])
    op.create_index("ix_calls_status_ends", "calls", ["status", "horizon_ends_at"])
    op.create_table(
        "feedback",
        sa.Column(
            "run_id",
            sa.String(64),
            sa.ForeignKey("runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_index("ix_calls_status_ends", table_name="calls")
    op.drop_index("ix_calls_backtest_as_of", table_name="calls")
    op.drop_index("ix_calls_run_id", table_name="calls")
    op.drop_table("calls")
    op.drop_table("backtests")
