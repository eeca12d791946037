"""Zones: a version the database itself moves forward on every insert or update of a
zone's row, so that a snapshot builder reads again only the zones whose version changed.

The database keeps it, by trigger, so every writer moves it: the desk, a control process
of an older release during an upgrade, a change made by hand in SQL. Each new version is
one more than the largest of any zone, so a zone deleted and created again (SQLite may
give it the same id) never shows a version a builder has seen for that id. A change to
zone_hostnames alone does not move it: the desk writes the zone's row (updated_at) with
every change of its hostnames.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NEXT = "(SELECT COALESCE(MAX(version), 0) + 1 FROM zones)"

_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER zones_version_insert AFTER INSERT ON zones
    BEGIN
        UPDATE zones SET version = {_NEXT} WHERE id = NEW.id;
    END
    """,
    # Its own update does not fire it again: SQLite's recursive_triggers is off (the
    # default, which stockade.store leaves as it is). OLD.version + 1: an update that
    # writes the version itself may have lowered the largest one.
    f"""
    CREATE TRIGGER zones_version_update AFTER UPDATE ON zones
    BEGIN
        UPDATE zones SET version = MAX({_NEXT}, OLD.version + 1) WHERE id = NEW.id;
    END
    """,
)
_POSTGRES_TRIGGERS = (
    f"""
    CREATE FUNCTION zones_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.version := {_NEXT};
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER zones_version BEFORE INSERT OR UPDATE ON zones
    FOR EACH ROW EXECUTE FUNCTION zones_next_version()
    """,
)


def upgrade() -> None:
    # Added in place, as in 0002 and 0005: SQLite would otherwise copy `zones` and, with
    # foreign keys on, drop every hostname and enforcement with the old table. Existing
    # zones get 0: a builder reads every zone at its first build anyway.
    op.execute("ALTER TABLE zones ADD COLUMN version INTEGER DEFAULT 0 NOT NULL")
    op.create_index("ix_zones_version", "zones", ["version"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER zones_version ON zones")
        op.execute("DROP FUNCTION zones_next_version()")
    else:
        op.execute("DROP TRIGGER zones_version_insert")
        op.execute("DROP TRIGGER zones_version_update")
    op.drop_index("ix_zones_version", "zones")
    op.drop_column("zones", "version")
