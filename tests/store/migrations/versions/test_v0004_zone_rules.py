"""The zone rules migration: existing zones keep their rows and get no rules, the column
takes the rules as JSON, and it goes down and up."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import inspect, text

from stockade.store import Database
from stockade.store.db import alembic_config
from tests.support.database import count_rows, fill_forum, unmigrated_url

__all__ = ["unmigrated_url"]


def _columns(database: Database) -> set[str]:
    return {column["name"] for column in inspect(database.engine).get_columns("zones")}


def _rules(database: Database) -> object:
    with database.engine.connect() as connection:
        stored = connection.execute(text("SELECT security_rules FROM zones")).scalar_one()
    # SQLite hands JSON back as text, PostgreSQL's driver as Python values.
    return json.loads(stored) if isinstance(stored, str) else stored


def test_existing_zones_get_no_rules_and_keep_their_rows(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0003")
    database.migrate()
    assert _rules(database) == {}
    assert (count_rows(database, "zone_hostnames"), count_rows(database, "enforcements")) == (1, 1)
    rules = {"firewall_rules": [{"id": "wp", "expression": "true", "action": "block"}]}
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE zones SET security_rules = :rules"), {"rules": json.dumps(rules)}
        )
    assert _rules(database) == rules
    database.dispose()


def test_down_and_up_again(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0003")
    database.migrate()
    assert "security_rules" in _columns(database)
    command.downgrade(alembic_config(unmigrated_url), "0003")
    assert "security_rules" not in _columns(database)
    assert (count_rows(database, "zones"), count_rows(database, "zone_hostnames")) == (1, 1)
    database.migrate()
    assert _rules(database) == {}
    database.dispose()
