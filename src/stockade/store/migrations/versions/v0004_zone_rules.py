"""Zones: their access rules, firewall rules and rate limits, in one JSON column.

`security_rules` holds {"access_rules": [...], "firewall_rules": [...], "rate_limits":
[...]} as the policy structs encode them; existing zones get {} (no rules).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place, as in 0002: SQLite would otherwise copy `zones` and, with foreign
    # keys on, drop every hostname and enforcement with the old table. PostgreSQL takes
    # the same statement.
    # JSONB on PostgreSQL, as the model says: plain JSON there cannot be compared.
    kind = "JSONB" if op.get_bind().dialect.name == "postgresql" else "JSON"
    op.execute(f"ALTER TABLE zones ADD COLUMN security_rules {kind} DEFAULT '{{}}' NOT NULL")


def downgrade() -> None:
    op.drop_column("zones", "security_rules")
