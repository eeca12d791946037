"""The global policy revision: one number, bumped in the same transaction as a change."""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from stockade.store.db import REVISION_KEY
from stockade.store.models import PolicyRevision, utcnow

# PostgreSQL channel on which a commit announces its revision to every control process.
NOTIFY_CHANNEL = "stockade_revision"


def current_revision(session: Session) -> int:
    revision = session.scalar(select(PolicyRevision.revision).where(PolicyRevision.id == 1))
    return revision or 0


def bump_revision(session: Session) -> int:
    """Add one to the revision as part of the session's transaction, and return it.

    The row lock taken by the UPDATE orders concurrent changes: revisions are committed
    in the order they are numbered. On PostgreSQL the NOTIFY is sent at commit, only if
    the transaction commits.
    """
    revision = session.execute(
        update(PolicyRevision)
        .where(PolicyRevision.id == 1)
        .values(revision=PolicyRevision.revision + 1, changed_at=utcnow())
        .returning(PolicyRevision.revision)
    ).scalar_one()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": NOTIFY_CHANNEL, "payload": str(revision)},
        )
    session.info[REVISION_KEY] = revision
    return revision
