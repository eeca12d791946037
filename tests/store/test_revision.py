"""The policy revision goes up by one per change, in the change's own transaction."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import make_url

from stockade.store import NOTIFY_CHANNEL, Database, bump_revision, current_revision


def test_a_new_database_is_at_revision_zero(database: Database) -> None:
    with database.read() as session:
        assert current_revision(session) == 0


def test_each_bump_adds_one(database: Database) -> None:
    for expected in (1, 2, 3):
        with database.write() as session:
            assert bump_revision(session) == expected
    with database.read() as session:
        assert current_revision(session) == 3


def test_a_rolled_back_bump_never_happened(database: Database) -> None:
    with pytest.raises(ValueError), database.write() as session:
        bump_revision(session)
        raise ValueError("the change failed")
    with database.read() as session:
        assert current_revision(session) == 0


def test_postgres_notifies_other_processes_at_commit_only(postgres_url: str) -> None:
    from tests.support.database import empty_postgres

    empty_postgres(postgres_url)
    database = Database(postgres_url)
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        with pytest.raises(ValueError), database.write() as session:
            bump_revision(session)
            raise ValueError("rolled back")
        with database.write() as session:
            bump_revision(session)
        payloads = [notify.payload for notify in listener.notifies(timeout=2, stop_after=1)]
    database.dispose()
    assert payloads == ["1"]
