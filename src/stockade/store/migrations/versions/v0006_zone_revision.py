"""Zones: the policy revision that last changed each one, so that a snapshot builder
reads again only the zones changed since its last build.

Existing zones get 0: a builder reads every zone at its first build anyway.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place, as in 0002 and 0005: SQLite would otherwise copy `zones` and, with
    # foreign keys on, drop every hostname and enforcement with the old table.
    op.execute("ALTER TABLE zones ADD COLUMN revision INTEGER DEFAULT 0 NOT NULL")
    op.create_index("ix_zones_revision", "zones", ["revision"])


def downgrade() -> None:
    op.drop_index("ix_zones_revision", "zones")
    op.drop_column("zones", "revision")
