"""Watch: pushed items, the signal events they raise, and alerts with their evidence.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "watch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        _when("posted_at"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        _when("received_at"),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_watch_items_zone_id_zones"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_items")),
        sa.UniqueConstraint("zone_id", "item_id", name=op.f("uq_watch_items_zone_id_item_id")),
    )
    op.create_table(
        "signal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_mention", sa.String(length=200), nullable=True),
        sa.Column("target_key", sa.String(length=200), nullable=True),
        sa.Column("target_label", sa.String(length=200), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        _when("posted_at"),
        sa.ForeignKeyConstraint(
            ["item_ref"],
            ["watch_items.id"],
            name=op.f("fk_signal_events_item_ref_watch_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_signal_events_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_events")),
    )
    op.create_index("ix_signal_events_time", "signal_events", ["posted_at"])
    op.create_index(op.f("ix_signal_events_zone_id"), "signal_events", ["zone_id"])
    op.create_index(op.f("ix_signal_events_item_ref"), "signal_events", ["item_ref"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_name", sa.String(length=63), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("series", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        _when("hour"),
        sa.Column("window_hours", sa.Integer(), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("authors", sa.Integer(), nullable=False),
        sa.Column("baseline_per_day", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        _when("delivered_at", nullable=True),
        sa.CheckConstraint("scope IN ('zone', 'target')", name=op.f("ck_alerts_scope")),
        sa.CheckConstraint(
            "delivery IN ('none', 'pending', 'delivered', 'failed')",
            name=op.f("ck_alerts_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "zone_name",
            "scope",
            "series",
            "hour",
            name=op.f("uq_alerts_zone_name_scope_series_hour"),
        ),
    )


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("signal_events")
    op.drop_table("watch_items")
