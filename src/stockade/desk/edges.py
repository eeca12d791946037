"""Edges as the feed sees them: each poll says which revision the edge has applied."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from stockade.store.models import EdgeRecord, utcnow

MAX_NAME = 200


def record_poll(session: Session, *, name: str, revision: int, address: str) -> None:
    """Insert or refresh the edge's row: one statement, safe with concurrent polls."""
    now = utcnow()
    values = {
        "name": name[:MAX_NAME],
        "revision": revision,
        "address": address[:64],
        "first_seen": now,
        "last_seen": now,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(EdgeRecord).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[EdgeRecord.name],
            set_={"revision": revision, "address": values["address"], "last_seen": now},
        )
    )


def list_edges(session: Session) -> Sequence[EdgeRecord]:
    return session.scalars(select(EdgeRecord).order_by(EdgeRecord.name)).all()
