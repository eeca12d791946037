"""The snapshot cache: one build and one signature per revision, shared by every poll."""

from __future__ import annotations

import asyncio
from pathlib import Path

from stockade.control.snapshots import SnapshotCache
from stockade.desk.zones import create_zone
from stockade.policy import SigningKey, verify_snapshot
from stockade.store import Database


def _database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'stockade.db'}")
    database.migrate()
    return database


async def test_one_build_per_revision_shared_by_concurrent_polls(tmp_path: Path) -> None:
    database = _database(tmp_path)
    key = SigningKey.generate()
    cache = SnapshotCache(database, key, "https://control.example")
    builds = 0
    build = cache._build

    def counting() -> object:
        nonlocal builds
        builds += 1
        return build()

    cache._build = counting  # type: ignore[method-assign,assignment]
    first = await asyncio.gather(*(cache.at_least(0) for _ in range(10)))
    assert builds == 1 and len({signed.data for signed in first}) == 1
    assert (await cache.at_least(0)) is first[0]

    with database.write() as session:
        create_zone(session, name="forum", hostnames=["forum.example"], origins=["http://x"])
    newer = await cache.at_least(1)
    assert builds == 2 and newer.revision == 1
    assert verify_snapshot(newer.data, key.verify_key()).zones[0].name == "forum"
    database.dispose()
