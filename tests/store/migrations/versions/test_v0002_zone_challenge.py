"""The challenge settings migration: existing zones keep their hostnames and enforcements
and get the defaults, bad values are refused by the database, and it goes down and up."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from stockade.policy import CHALLENGE_DIFFICULTY, CLEARANCE_TTL, Zone
from stockade.store import Database
from stockade.store.db import alembic_config
from tests.support.database import count_rows, fill_forum, unmigrated_url

__all__ = ["unmigrated_url"]

CHALLENGE_COLUMNS = {"security_level", "challenge_difficulty", "clearance_ttl"}


def _columns(database: Database) -> set[str]:
    return {column["name"] for column in inspect(database.engine).get_columns("zones")}


def test_existing_zones_get_the_defaults_and_keep_their_rows(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0001")
    database.migrate()
    with database.engine.connect() as connection:
        row = connection.execute(
            text("SELECT security_level, challenge_difficulty, clearance_ttl FROM zones")
        ).one()
    assert tuple(row) == ("normal", CHALLENGE_DIFFICULTY, CLEARANCE_TTL)
    # The defaults are the ones an edge applies to a zone that does not say.
    forum = Zone(name="forum", hostnames=("forum.example",), origins=("http://10.0.0.5",))
    assert (forum.security_level, forum.challenge_difficulty, forum.clearance_ttl) == tuple(row)
    assert (count_rows(database, "zone_hostnames"), count_rows(database, "enforcements")) == (1, 1)
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
def test_the_database_refuses_values_no_edge_could_serve(unmigrated_url: str, change: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0001")
    database.migrate()
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(text(f"UPDATE zones SET {change}"))
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE zones SET challenge_difficulty = 32, clearance_ttl = 2592000")
        )
    database.dispose()


def test_down_and_up_again(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0001")
    database.migrate()
    assert _columns(database) >= CHALLENGE_COLUMNS
    command.downgrade(alembic_config(unmigrated_url), "0001")
    assert not CHALLENGE_COLUMNS & _columns(database)
    assert (count_rows(database, "zones"), count_rows(database, "zone_hostnames")) == (1, 1)
    database.migrate()
    assert _columns(database) >= CHALLENGE_COLUMNS
    database.dispose()
