"""The migrations create exactly the schema the models describe, column defaults included."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from stockade.store import Database, current_revision
from stockade.store.models import Base


def test_the_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_it_starts_the_policy_at_revision_zero(database: Database) -> None:
    with database.read() as session:
        assert current_revision(session) == 0
