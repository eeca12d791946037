"""Migration 0003 adds the watch tables, matching the models, and takes them away again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from stockade.store import Database
from stockade.store.db import alembic_config
from stockade.store.models import Base

WATCH_TABLES = {"watch_items", "signal_events", "alerts"}


def test_the_watch_tables_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert set(inspect(database.engine).get_table_names()) >= WATCH_TABLES


def test_downgrading_to_0002_removes_only_the_watch_tables(database: Database) -> None:
    command.downgrade(alembic_config(database.url), "0002")
    tables = set(inspect(database.engine).get_table_names())
    assert not WATCH_TABLES & tables
    assert {"zones", "api_tokens"} <= tables
    database.migrate()
    assert set(inspect(database.engine).get_table_names()) >= WATCH_TABLES
