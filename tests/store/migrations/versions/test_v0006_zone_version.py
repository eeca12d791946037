"""The zone version migration: existing zones keep their rows with version 0, the
database moves a zone's version on every insert and update, past every other zone's, and
the migration goes down and up."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text

from stockade.store import Database
from stockade.store.db import alembic_config
from tests.support.database import count_rows, fill_forum, unmigrated_url

__all__ = ["unmigrated_url"]


def _versions(database: Database) -> dict[str, int]:
    with database.engine.connect() as connection:
        return dict(connection.execute(text("SELECT name, version FROM zones")).all())


def test_existing_zones_get_version_0_then_every_write_moves_it(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0005")
    database.migrate()
    assert _versions(database) == {"forum": 0}
    assert (count_rows(database, "zone_hostnames"), count_rows(database, "enforcements")) == (1, 1)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO zones (id, name, service, origins, created_at, updated_at) "
                "VALUES (2, 'blog', 'proxied', '[\"http://10.0.0.6\"]', :now, :now)"
            ),
            {"now": datetime.now(UTC)},
        )
    created = _versions(database)
    assert created["blog"] > created["forum"] == 0
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE zones SET service = 'hosted' WHERE name = 'forum'"))
    updated = _versions(database)
    assert updated["forum"] > updated["blog"] == created["blog"]
    # A write that sets the version itself is moved past every version all the same.
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE zones SET service = 'hosted', version = 0"))
    by_hand = _versions(database)
    assert min(by_hand.values()) > max(updated.values())
    database.dispose()


def test_down_and_up_again(unmigrated_url: str) -> None:
    database = Database(unmigrated_url)
    fill_forum(database, "0005")
    database.migrate()
    command.downgrade(alembic_config(unmigrated_url), "0005")
    columns = {column["name"] for column in inspect(database.engine).get_columns("zones")}
    assert "version" not in columns
    assert (count_rows(database, "zones"), count_rows(database, "zone_hostnames")) == (1, 1)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE zones SET service = 'hosted'"))  # no trigger left
    database.migrate()
    assert _versions(database) == {"forum": 0}
    database.dispose()
