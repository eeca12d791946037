"""Zones: the edge's challenge settings (security level, difficulty, clearance time).

Existing zones get the defaults: normal, 16 bits, 3600 seconds.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Each check is a column constraint, added with its column: SQLite can add one that way,
# but adding a table constraint would copy the table, and dropping the old `zones` with
# foreign keys on would delete every hostname and enforcement with it (ON DELETE CASCADE).
# PostgreSQL takes the same statements.
COLUMNS = {
    "security_level": (
        "VARCHAR(16) DEFAULT 'normal' NOT NULL",
        "security_level IN ('normal', 'under_attack')",
    ),
    "challenge_difficulty": (
        "INTEGER DEFAULT 16 NOT NULL",
        "challenge_difficulty BETWEEN 1 AND 32",
    ),
    "clearance_ttl": ("INTEGER DEFAULT 3600 NOT NULL", "clearance_ttl BETWEEN 60 AND 2592000"),
}


def upgrade() -> None:
    for name, (definition, check) in COLUMNS.items():
        op.execute(
            f"ALTER TABLE zones ADD COLUMN {name} {definition} "
            f"CONSTRAINT ck_zones_{name} CHECK ({check})"
        )


def downgrade() -> None:
    # A column's own constraint goes with it, on SQLite (3.35 and later) as on PostgreSQL.
    for name in reversed(COLUMNS):
        op.drop_column("zones", name)
