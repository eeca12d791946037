"""Every test here runs against SQLite and PostgreSQL (see tests/support/database.py)."""

from tests.support.database import database, database_url, postgres_url

__all__ = ["database", "database_url", "postgres_url"]
