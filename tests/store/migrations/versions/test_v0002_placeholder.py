"""Migration 0002 follows 0001 and changes nothing."""

from __future__ import annotations

from stockade.store.migrations.versions import v0002_placeholder


def test_it_follows_the_first_migration() -> None:
    assert (v0002_placeholder.revision, v0002_placeholder.down_revision) == ("0002", "0001")
