"""Connections, transactions and migrations, for SQLite and PostgreSQL alike.

A change is one `Database.write()` block: one transaction, committed whole or not at all.
When it bumped the policy revision, the revision listeners hear of it after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("stockade.store")

MIGRATIONS = Path(__file__).parent / "migrations"
# Set by store.revision.bump_revision; read after the commit to tell the listeners.
REVISION_KEY = "stockade_revision"
# A writer on SQLite waits this long for another writer before giving up.
SQLITE_BUSY_MS = 10_000
# Advisory lock id for setting up a PostgreSQL database ("stkd").
_LOCK_KEY = 0x73746B64

RevisionListener = Callable[[int], None]


class DatabaseError(ValueError):
    """A database URL or database that cannot be used; the message says what to do."""


class Database:
    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise DatabaseError(
                f"'{url}' is not a database URL: use sqlite:///PATH/stockade.db or "
                "postgresql+psycopg://USER@HOST/DB."
            ) from None
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise DatabaseError(
                f"Database '{self.dialect}' is not supported: use SQLite or PostgreSQL "
                "(postgresql+psycopg://...)."
            )
        if self.dialect == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = _create_engine(url, self.dialect)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._listeners: list[RevisionListener] = []

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def add_revision_listener(self, listener: RevisionListener) -> None:
        """Call `listener(revision)` after every commit that bumped the revision."""
        self._listeners.append(listener)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One change: commits at the end of the block, rolls back on any exception."""
        with self._sessions() as session:
            with session.begin():
                # BEGIN IMMEDIATE on SQLite: take the write lock now, not at the first
                # write, so two writers queue instead of one failing with "locked".
                session.connection(execution_options={"stockade_begin": "IMMEDIATE"})
                yield session
            revision = session.info.pop(REVISION_KEY, None)
        if revision is not None:
            for listener in self._listeners:
                listener(revision)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent read: every query in the block sees the same committed state."""
        with self._sessions() as session, session.begin():
            if self.is_postgres:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    def lock_exclusively(self, session: Session) -> None:
        """Hold a database-wide lock until the session's transaction ends, so control
        processes starting together on PostgreSQL set up the database one at a time.
        (SQLite writers are serialized already.)"""
        if self.is_postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})

    def migrate(self, target: str = "head") -> None:
        """Bring the schema to the latest migration, or to `target` (creating it on a new
        database)."""
        with self.engine.begin() as connection:
            if self.is_postgres:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, target)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _create_engine(url: str, dialect: str) -> Engine:
    options: dict[str, Any] = {
        "json_serializer": lambda value: msgspec.json.encode(value).decode(),
        "json_deserializer": msgspec.json.decode,
    }
    if dialect == "postgresql":
        engine = create_engine(url, pool_pre_ping=True, **options)
    else:
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **options)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # Python's sqlite3 would only BEGIN before writes, so reads were not isolated;
    # we emit BEGIN ourselves (see _sqlite_begin), as SQLAlchemy's docs recommend.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL: readers (the feed) never wait for the writer, nor the writer for them.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("stockade_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
