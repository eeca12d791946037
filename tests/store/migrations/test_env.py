"""Migrations run from `stockade control` (a connection handed over) and from the
`alembic` command (a URL), up and down, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from stockade.store import Database
from stockade.store.db import MIGRATIONS, alembic_config
from tests.support.database import fresh_postgres_database

TABLES = {
    "alembic_version",
    "alerts",
    "signal_events",
    "watch_items",
    "api_tokens",
    "edges",
    "enforcements",
    "notices",
    "policy_revision",
    "zone_hostnames",
    "zones",
}


def _tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def _check_up_down_up(url: str) -> None:
    database = Database(url)
    database.migrate()
    database.migrate()  # a second run changes nothing
    assert _tables(database) == TABLES
    command.downgrade(alembic_config(url), "base")
    assert _tables(database) == {"alembic_version"}
    database.migrate()
    assert _tables(database) == TABLES
    database.dispose()


def test_up_down_up_on_sqlite(tmp_path: Path) -> None:
    _check_up_down_up(f"sqlite:///{tmp_path / 'stockade.db'}")


def test_up_down_up_on_postgres() -> None:
    with fresh_postgres_database(migrate=False) as url:
        _check_up_down_up(url)


def test_the_alembic_command_uses_stockade_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(MIGRATIONS / "alembic.ini"),
            "upgrade",
            "head",
        ],
        env={**os.environ, "STOCKADE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    database = Database(url)
    assert _tables(database) == TABLES
    database.dispose()


@pytest.mark.parametrize("name", ["script.py.mako", "alembic.ini"])
def test_files_alembic_needs_are_shipped(name: str) -> None:
    assert (MIGRATIONS / name).is_file()
