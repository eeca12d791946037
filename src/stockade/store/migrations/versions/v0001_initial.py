"""Zones, hostnames, enforcements, notices, API tokens, edges and the policy revision.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("revoked_at", nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'operator', 'viewer', 'edge')", name=op.f("ck_api_tokens_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "edges",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        _when("first_seen"),
        _when("last_seen"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_edges")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("zone_name", sa.String(length=63), nullable=False),
        sa.Column("hostnames", sa.JSON(), nullable=False),
        _when("published_at"),
        sa.CheckConstraint(
            "basis IN ('legal', 'policy', 'emergency')", name=op.f("ck_notices_basis")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    revision_table = op.create_table(
        "policy_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _when("changed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_revision")),
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.Column("customer_contact", sa.String(length=320), nullable=True),
        sa.Column("abuse_contact", sa.String(length=320), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint("service IN ('proxied', 'hosted')", name=op.f("ck_zones_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
        sa.UniqueConstraint("name", name=op.f("uq_zones_name")),
    )
    op.create_table(
        "enforcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("paths", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        _when("starts_at"),
        _when("ends_at", nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("notice_url", sa.String(length=2000), nullable=True),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _when("lifted_at", nullable=True),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "action IN ('block', 'path_block', 'geo_block', 'interstitial')",
            name=op.f("ck_enforcements_action"),
        ),
        sa.CheckConstraint(
            "basis IN ('legal', 'policy', 'emergency')", name=op.f("ck_enforcements_basis")
        ),
        sa.CheckConstraint(
            "(notice_id IS NULL) <> (notice_url IS NULL)", name=op.f("ck_enforcements_one_notice")
        ),
        sa.CheckConstraint("status IN (451, 403)", name=op.f("ck_enforcements_status")),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_enforcements_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_enforcements_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcements")),
    )
    op.create_index("ix_enforcements_active", "enforcements", ["zone_id", "lifted_at"])
    op.create_index(op.f("ix_enforcements_notice_id"), "enforcements", ["notice_id"])
    op.create_table(
        "zone_hostnames",
        sa.Column("hostname", sa.String(length=253), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_hostnames_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hostname", name=op.f("pk_zone_hostnames")),
    )
    op.create_index(op.f("ix_zone_hostnames_zone_id"), "zone_hostnames", ["zone_id"])
    # The one row every change updates; revision 0 is the empty policy.
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0, "changed_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("zone_hostnames")
    op.drop_table("enforcements")
    op.drop_table("zones")
    op.drop_table("policy_revision")
    op.drop_table("notices")
    op.drop_table("edges")
    op.drop_table("api_tokens")
