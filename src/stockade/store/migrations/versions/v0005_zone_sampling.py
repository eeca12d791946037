"""Zones: content sampling for watch (the share of responses, the media types sampled).

Existing zones get the defaults: sample_rate 0 (no sampling), sample_types
["text/html", "application/json"].

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SAMPLE_TYPES_DEFAULT = '["text/html", "application/json"]'


def upgrade() -> None:
    # Added in place with a column constraint, as in 0002: SQLite would otherwise copy
    # `zones` and, with foreign keys on, drop every hostname and enforcement with the old
    # table. PostgreSQL takes the same statements.
    op.execute(
        "ALTER TABLE zones ADD COLUMN sample_rate FLOAT DEFAULT 0 NOT NULL "
        "CONSTRAINT ck_zones_sample_rate CHECK (sample_rate BETWEEN 0 AND 1)"
    )
    # JSONB on PostgreSQL, as in 0004: plain JSON there cannot be compared.
    kind = "JSONB" if op.get_bind().dialect.name == "postgresql" else "JSON"
    op.execute(
        f"ALTER TABLE zones ADD COLUMN sample_types {kind} "
        f"DEFAULT '{SAMPLE_TYPES_DEFAULT}' NOT NULL"
    )


def downgrade() -> None:
    # A column's own constraint goes with it, on SQLite (3.35 and later) as on PostgreSQL.
    op.drop_column("zones", "sample_types")
    op.drop_column("zones", "sample_rate")
