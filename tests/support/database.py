"""Databases for tests: a fresh SQLite file per test, and one PostgreSQL database per test
session (emptied before each test, dropped at the end). Fixtures here are imported by the
conftest.py of tests/store, tests/desk and tests/control."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url, text

from stockade.store import Database
from tests.conftest import require_postgres

TABLES = (
    "alerts, signal_events, watch_items, zone_hostnames, enforcements, notices, zones, "
    "api_tokens, edges"
)


@contextmanager
def fresh_postgres_database(migrate: bool = True) -> Iterator[str]:
    """A new, empty PostgreSQL database (migrated unless told not to), dropped after."""
    server = require_postgres()
    name = f"stockade_test_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = (
        make_url(server)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    try:
        if migrate:
            database = Database(url)
            database.migrate()
            database.dispose()
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_postgres(url: str) -> None:
    """Back to a just-migrated state: no rows, revision 0, ids from 1."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        # Fail fast instead of hanging if a previous test left a transaction open.
        connection.execute("SET lock_timeout = '5s'")
        connection.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        connection.execute("UPDATE policy_revision SET revision = 0")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'stockade.db'}"
        database = Database(url)
        database.migrate()
        database.dispose()
        return url
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, not migrated: for the migrations' own tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stockade.db'}"
    else:
        with fresh_postgres_database(migrate=False) as postgres:
            yield postgres


def fill_forum(database: Database, revision: str) -> None:
    """Migrate to `revision` and add the zone forum with a hostname and an enforcement,
    in plain SQL, as a database of that revision would hold them."""
    database.migrate(revision)
    now = datetime.now(UTC)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO zones (id, name, service, origins, created_at, updated_at) "
                "VALUES (1, 'forum', 'proxied', '[\"http://10.0.0.5\"]', :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO zone_hostnames (hostname, zone_id, position) "
                "VALUES ('forum.example', 1, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO enforcements (zone_id, action, basis, reason, status, paths, "
                "countries, starts_at, notice_url, created_at, created_by) VALUES (1, 'block', "
                "'policy', 'Blocked.', 451, '[]', '[]', :now, 'https://n.example/1', :now, 'test')"
            ),
            {"now": now},
        )


def count_rows(database: Database, table: str) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
