"""The sampling migration: existing zones keep their rows and sample nothing with the
default types, bad rates are refused by the database, and it goes down and up."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from stockade.policy import Zone
from stockade.store import Database
from stockade.store.db import alembic_config
from stockade.store.models import SAMPLE_TYPES_JSON
from tests.support.database import count_rows, fill_forum, unmigrated_url

__all__ = ["unmigrated_url"]

SAMPLING_COLUMNS = {"sample_rate", "sample_types"}


def _columns(database: Database) -> set[str]:
    return {column["name"] for column in inspect(database.engine).get_columns("zones")}


def _sampling(database: Database) -> tuple[float, object]:
    with database.engine.connect() as connection:
        rate, types = connection.execute(text("SELECT sample_rate, sample_types FROM zones")).one()
    # SQLite hands JSON back as text, PostgreSQL's driver as Python values.
    return rate, json.loads(types) if isinstance(types, str) else types


def test_existing_zones_get_the_defaults_and_keep_their_rows(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0004")
    database.migrate()
    # The defaults are the ones an edge applies to a zone that does not say.
    forum = Zone(name="forum", hostnames=("forum.example",), origins=("http://10.0.0.5",))
    assert _sampling(database) == (forum.sample_rate, list(forum.sample_types))
    assert json.loads(SAMPLE_TYPES_JSON) == list(forum.sample_types)
    assert (count_rows(database, "zone_hostnames"), count_rows(database, "enforcements")) == (1, 1)
    database.dispose()


@pytest.mark.parametrize(
    "change", ["sample_rate = -0.5", "sample_rate = 1.01", "sample_rate = NULL"]
)
def test_the_database_refuses_rates_no_edge_could_apply(unmigrated_url: str, change: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0004")
    database.migrate()
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(text(f"UPDATE zones SET {change}"))
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE zones SET sample_rate = 1, sample_types = '[]'"))
    assert _sampling(database) == (1.0, [])
    database.dispose()


def test_down_and_up_again(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0004")
    database.migrate()
    assert _columns(database) >= SAMPLING_COLUMNS
    command.downgrade(alembic_config(unmigrated_url), "0004")
    assert not SAMPLING_COLUMNS & _columns(database)
    assert (count_rows(database, "zones"), count_rows(database, "zone_hostnames")) == (1, 1)
    database.migrate()
    assert _sampling(database) == (0.0, ["text/html", "application/json"])
    database.dispose()
