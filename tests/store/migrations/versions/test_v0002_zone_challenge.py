"""The challenge settings migration: existing zones keep their hostnames and enforcements
and get the defaults, bad values are refused by the database, and it goes down and up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from stockade.policy import CHALLENGE_DIFFICULTY, CLEARANCE_TTL, Zone
from stockade.store import Database
from stockade.store.db import alembic_config
from tests.support.database import fresh_postgres_database

CHALLENGE_COLUMNS = {"security_level", "challenge_difficulty", "clearance_ttl"}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, not migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stockade.db'}"
    else:
        with fresh_postgres_database(migrate=False) as postgres:
            yield postgres


def _fill_at_0001(database: Database) -> None:
    database.migrate("0001")
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


def _count(database: Database, table: str) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _columns(database: Database) -> set[str]:
    return {column["name"] for column in inspect(database.engine).get_columns("zones")}


def test_existing_zones_get_the_defaults_and_keep_their_rows(url: str) -> None:
    database = Database(url)
    _fill_at_0001(database)
    database.migrate()
    with database.engine.connect() as connection:
        row = connection.execute(
            text("SELECT security_level, challenge_difficulty, clearance_ttl FROM zones")
        ).one()
    assert tuple(row) == ("normal", CHALLENGE_DIFFICULTY, CLEARANCE_TTL)
    # The defaults are the ones an edge applies to a zone that does not say.
    forum = Zone(name="forum", hostnames=("forum.example",), origins=("http://10.0.0.5",))
    assert (forum.security_level, forum.challenge_difficulty, forum.clearance_ttl) == tuple(row)
    assert (_count(database, "zone_hostnames"), _count(database, "enforcements")) == (1, 1)
    database.dispose()


@pytest.mark.parametrize(
    "change",
    [
        "security_level = 'panic'",
        "challenge_difficulty = 0",
        "challenge_difficulty = 33",
        "clearance_ttl = 59",
        "clearance_ttl = 2592001",
        "security_level = NULL",
    ],
)
def test_the_database_refuses_values_no_edge_could_serve(url: str, change: str) -> None:
    database = Database(url)
    _fill_at_0001(database)
    database.migrate()
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(text(f"UPDATE zones SET {change}"))
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE zones SET challenge_difficulty = 32, clearance_ttl = 2592000")
        )
    database.dispose()


def test_down_and_up_again(url: str) -> None:
    database = Database(url)
    _fill_at_0001(database)
    database.migrate()
    assert _columns(database) >= CHALLENGE_COLUMNS
    command.downgrade(alembic_config(url), "0001")
    assert not CHALLENGE_COLUMNS & _columns(database)
    assert (_count(database, "zones"), _count(database, "zone_hostnames")) == (1, 1)
    database.migrate()
    assert _columns(database) >= CHALLENGE_COLUMNS
    database.dispose()
