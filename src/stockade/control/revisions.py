"""The newest committed policy revision, and waiting for a newer one without polling.

Commits in this process advance the watch directly (a revision listener on the
Database). With PostgreSQL, commits in other control processes arrive by LISTEN/NOTIFY.
Either way, every long-poll waiting on the feed wakes within milliseconds.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
from sqlalchemy import make_url

from stockade.store import NOTIFY_CHANNEL

log = logging.getLogger("stockade.control.revisions")

_BACKOFF_FIRST = 0.2
_BACKOFF_MAX = 10.0


class RevisionWatch:
    """Lives on one event loop; `advance_threadsafe` may be called from any thread."""

    def __init__(self, revision: int = 0) -> None:
        self.revision = revision
        self._changed = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def advance(self, revision: int) -> None:
        """Take note of a committed revision; wake the waiters if it is newer."""
        if revision > self.revision:
            self.revision = revision
            self._wake()

    def advance_threadsafe(self, revision: int) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.advance, revision)

    def close(self) -> None:
        """Release every waiter now (shutdown): long-polls answer 'nothing new' at once."""
        self._closed = True
        self._wake()

    async def wait_newer(self, after: int, timeout: float) -> bool:
        """Wait until the revision is above `after`; False after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.revision <= after and not self._closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                break
        return self.revision > after

    def _wake(self) -> None:
        # A fresh Event per change: waiters re-check the revision, then wait on the new one.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()


async def listen_for_revisions(
    database_url: str, watch: RevisionWatch, ready: asyncio.Event
) -> None:
    """Follow NOTIFYs of other control processes forever, reconnecting with backoff.

    `ready` is set once LISTEN is in place, so a process can start serving only when it
    will hear of every later change.
    """
    conninfo = make_url(database_url).set(drivername="postgresql")
    dsn = conninfo.render_as_string(hide_password=False)
    backoff = _BACKOFF_FIRST
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection:
                await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                # A change committed while no LISTEN was in place sent its NOTIFY to no
                # one: read the revision once now that we are listening.
                cursor = await connection.execute(
                    "SELECT revision FROM policy_revision WHERE id = 1"
                )
                row = await cursor.fetchone()
                watch.advance(row[0] if row else 0)
                ready.set()
                backoff = _BACKOFF_FIRST
                async for notify in connection.notifies():
                    try:
                        watch.advance(int(notify.payload))
                    except ValueError:
                        log.warning("ignoring a NOTIFY with payload %r", notify.payload)
        except (psycopg.Error, OSError) as error:
            log.warning("cannot listen for revisions (%s); retrying in %.1f s", error, backoff)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, _BACKOFF_MAX)
