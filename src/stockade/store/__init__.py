"""The control plane's database: SQLAlchemy models, transactions and Alembic migrations."""

from stockade.store.db import Database, DatabaseError
from stockade.store.revision import NOTIFY_CHANNEL, bump_revision, current_revision

__all__ = ["NOTIFY_CHANNEL", "Database", "DatabaseError", "bump_revision", "current_revision"]
