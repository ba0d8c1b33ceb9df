"""The watcher: watchlist, alert rules, scheduled analyses, firings, notification targets, the
delivery outbox and the price ticks the watcher reads.

Revision ID: 0005_watch
Revises: 0005_team
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cryptodesk.store.models import UTCDateTime

revision = "0005_watch"
down_revision = "0005_team"
branch_labels = None
depends_on = None


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(64), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "watchlist",
        sa.Column("coin_id", sa.String(64), primary_key=True),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "alert_rules",
        _id(),
        sa.Column("coin_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("target_ids", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("once", sa.Boolean(), nullable=False),
        sa.Column("cooldown_s", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("last_fired_at", UTCDateTime(), nullable=True),
        sa.Column("fire_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_alert_rules_coin_id", "alert_rules", ["coin_id"])
    op.create_index("ix_alert_rules_status", "alert_rules", ["status"])
    op.create_index("ix_alert_rules_updated_at", "alert_rules", ["updated_at"])
    op.create_table(
        "schedules",
        _id(),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("coin_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("target_ids", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("next_run_at", UTCDateTime(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_schedules_status", "schedules", ["status"])
    op.create_index("ix_schedules_next_run_at", "schedules", ["next_run_at"])
    op.create_table(
        "firings",
        _id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=True),
        sa.Column("schedule_id", sa.String(64), nullable=True),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("values", sa.Text(), nullable=False),
        sa.Column("data_labels", sa.Text(), nullable=False),
        sa.Column("target_ids", sa.Text(), nullable=False),
        sa.Column("fired_at", UTCDateTime(), nullable=False),
        sa.Column("market_time", UTCDateTime(), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("follow_up_error", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_firings_rule_id", "firings", ["rule_id"])
    op.create_index("ix_firings_schedule_id", "firings", ["schedule_id"])
    op.create_index("ix_firings_fired_at", "firings", ["fired_at"])
    op.create_index("ix_firings_stage", "firings", ["stage"])
    op.create_index("ix_firings_updated_at", "firings", ["updated_at"])
    op.create_table(
        "notify_targets",
        _id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("masked", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tested_at", UTCDateTime(), nullable=True),
        sa.Column("test_ok", sa.Boolean(), nullable=True),
        sa.Column("test_detail", sa.Text(), nullable=True),
    )
    op.create_table(
        "deliveries",
        _id(),
        sa.Column(
            "firing_id",
            sa.String(64),
            sa.ForeignKey("firings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(140), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claim_epoch", sa.Integer(), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_deliveries_firing_id", "deliveries", ["firing_id"])
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "price_ticks",
        sa.Column("coin_id", sa.String(64), primary_key=True),
        sa.Column("at", UTCDateTime(), primary_key=True),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("change_24h_pct", sa.Float(), nullable=True),
        sa.Column("as_of", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("data_labels", sa.Text(), nullable=False),
    )
    op.create_index("ix_price_ticks_at", "price_ticks", ["at"])


def downgrade() -> None:
    for table in (
        "price_ticks",
        "deliveries",
        "notify_targets",
        "firings",
        "schedules",
        "alert_rules",
        "watchlist",
    ):
        op.drop_table(table)
