"""Alembic environment: run migrations on the connection `Database.migrate` hands over,
or on STOCKADE_DATABASE_URL (or the .ini's URL) when run by the `alembic` command."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from stockade.store.models import Base

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place: Alembic copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = os.environ.get("STOCKADE_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    engine = create_engine(str(url))
    with engine.begin() as connection:
        run(connection)
    engine.dispose()
