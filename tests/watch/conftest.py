"""Watch tests that store run against SQLite and PostgreSQL (tests/support/database.py);
`forum` is a database with the zone forum in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from stockade.desk.zones import create_zone
from stockade.store import Database
from stockade.watch.items import PushedItem
from tests.support.database import database, database_url, postgres_url

__all__ = ["database", "database_url", "postgres_url"]


def add_zone(database: Database, name: str = "forum") -> None:
    with database.write() as session:
        create_zone(session, name=name, hostnames=[f"{name}.example"], origins=["http://10.0.0.5"])


@pytest.fixture
def forum(database: Database) -> Database:
    add_zone(database)
    return database


def pushed(item: dict[str, Any]) -> PushedItem:
    """An item of tests/support/watch_stream.py as the push API hands it over."""
    return PushedItem(
        item_id=item["id"],
        zone=item["zone"],
        url=item.get("url"),
        author=item.get("author"),
        time=datetime.fromisoformat(item["time"]),
        text=item["text"],
    )
