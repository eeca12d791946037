"""Transactions: one change commits whole or not at all; listeners hear only commits."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from stockade.store import Database, DatabaseError, bump_revision, current_revision
from stockade.store.models import ZoneRecord


def _zone(name: str) -> ZoneRecord:
    return ZoneRecord(name=name, service="proxied", origins=["http://10.0.0.5"])


def test_a_write_commits_and_tells_the_listeners(database: Database) -> None:
    heard: list[int] = []
    database.add_revision_listener(heard.append)
    with database.write() as session:
        session.add(_zone("forum"))
        revision = bump_revision(session)
        assert heard == []  # not before the commit
    assert heard == [revision] == [1]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(ZoneRecord)) == 1


def test_a_failed_write_leaves_nothing_and_tells_no_one(database: Database) -> None:
    heard: list[int] = []
    database.add_revision_listener(heard.append)
    with pytest.raises(RuntimeError), database.write() as session:
        session.add(_zone("forum"))
        bump_revision(session)
        session.flush()
        raise RuntimeError("failed half-way")
    assert heard == []
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(ZoneRecord)) == 0
        assert current_revision(session) == 0


def test_a_write_without_a_revision_bump_tells_no_one(database: Database) -> None:
    heard: list[int] = []
    database.add_revision_listener(heard.append)
    with database.write() as session:
        session.add(_zone("forum"))
    assert heard == []


def test_concurrent_writers_queue_instead_of_failing(database: Database) -> None:
    errors: list[BaseException] = []

    def bump_many() -> None:
        try:
            for _ in range(10):
                with database.write() as session:
                    bump_revision(session)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=bump_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.read() as session:
        assert current_revision(session) == 40


def test_a_read_sees_one_committed_state(database: Database) -> None:
    with database.read() as session:
        before = current_revision(session)
        with database.write() as other:
            bump_revision(other)
        assert current_revision(session) == before
    with database.read() as session:
        assert current_revision(session) == before + 1


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'sub' / 'stockade.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    database.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [("not a url", "is not a database URL"), ("mysql://x/y", "is not supported")],
)
def test_unusable_urls_are_explained(url: str, expected: str) -> None:
    with pytest.raises(DatabaseError, match=expected):
        Database(url)
