"""Signed snapshots, built once per revision: every edge polling gets the same bytes."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from stockade.desk.snapshot import SnapshotBuilder
from stockade.policy import SigningKey, sign_snapshot
from stockade.store import Database


@dataclass(frozen=True, slots=True)
class SignedBytes:
    revision: int
    data: bytes  # sign_snapshot(snapshot, key)


class SnapshotCache:
    def __init__(self, database: Database, key: SigningKey, public_base: str) -> None:
        self.database = database
        self.key = key
        self.builder = SnapshotBuilder(public_base)
        self._latest: SignedBytes | None = None
        self._lock = anyio.Lock()

    async def at_least(self, revision: int) -> SignedBytes:
        """The signed snapshot of `revision` or newer. Polls that ask during a build wait
        for that build instead of starting their own."""
        async with self._lock:
            latest = self._latest
            if latest is None or latest.revision < revision:
                # In a thread: a 100,000-zone build takes about a second.
                latest = await anyio.to_thread.run_sync(self._build)
                self._latest = latest
            return latest

    def _build(self) -> SignedBytes:
        with self.database.read() as session:
            snapshot = self.builder.build(session)
        return SignedBytes(snapshot.revision, sign_snapshot(snapshot, self.key))
