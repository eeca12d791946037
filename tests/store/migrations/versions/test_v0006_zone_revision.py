"""The zone revision migration: existing zones keep their rows with revision 0 (a builder
reads every zone at its first build), and it goes down and up."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from stockade.desk.snapshot import build_snapshot
from stockade.desk.zones import update_zone
from stockade.store import Database
from stockade.store.db import alembic_config
from tests.support.database import count_rows, fill_forum, unmigrated_url

__all__ = ["unmigrated_url"]


def _revisions(database: Database) -> list[int]:
    with database.engine.connect() as connection:
        return list(connection.scalars(text("SELECT revision FROM zones")))


def test_existing_zones_get_revision_0_and_are_in_the_snapshot(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0005")
    database.migrate()
    assert _revisions(database) == [0]
    assert (count_rows(database, "zone_hostnames"), count_rows(database, "enforcements")) == (1, 1)
    with database.read() as session:
        (forum,) = build_snapshot(session, "https://control.example").zones
    assert (forum.name, forum.hostnames) == ("forum", ("forum.example",))
    # A change stamps the zone with the revision it made.
    with database.write() as session:
        _, revision = update_zone(session, "forum", service="hosted")
    assert _revisions(database) == [revision]
    database.dispose()


def test_down_and_up_again(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0005")
    database.migrate()
    command.downgrade(alembic_config(unmigrated_url), "0005")
    columns = {column["name"] for column in inspect(database.engine).get_columns("zones")}
    assert "revision" not in columns
    assert (count_rows(database, "zones"), count_rows(database, "zone_hostnames")) == (1, 1)
    database.migrate()
    assert _revisions(database) == [0]
    database.dispose()
