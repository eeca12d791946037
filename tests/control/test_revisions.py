"""Waiting for a newer revision: woken at once by this process or, on PostgreSQL, others."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from stockade.control.revisions import RevisionWatch, listen_for_revisions
from stockade.store import Database, bump_revision


async def test_a_newer_revision_returns_at_once() -> None:
    watch = RevisionWatch(5)
    assert await watch.wait_newer(4, 10)


async def test_waiting_times_out_false() -> None:
    watch = RevisionWatch(5)
    started = time.perf_counter()
    assert not await watch.wait_newer(5, 0.1)
    assert 0.1 <= time.perf_counter() - started < 1


async def test_advancing_wakes_every_waiter_and_old_revisions_are_ignored() -> None:
    watch = RevisionWatch(1)
    waiters = [asyncio.create_task(watch.wait_newer(1, 10)) for _ in range(3)]
    await asyncio.sleep(0.01)
    watch.advance(1)  # not newer: nobody wakes
    await asyncio.sleep(0.01)
    assert not any(task.done() for task in waiters)
    watch.advance(2)
    assert await asyncio.wait_for(asyncio.gather(*waiters), 1) == [True, True, True]
    watch.advance(1)
    assert watch.revision == 2


async def test_advance_from_another_thread() -> None:
    watch = RevisionWatch(0)
    watch.bind(asyncio.get_running_loop())
    waiter = asyncio.create_task(watch.wait_newer(0, 10))
    threading.Thread(target=watch.advance_threadsafe, args=(3,)).start()
    assert await asyncio.wait_for(waiter, 1)
    assert watch.revision == 3


async def test_close_releases_waiters() -> None:
    watch = RevisionWatch(0)
    waiter = asyncio.create_task(watch.wait_newer(0, 10))
    await asyncio.sleep(0.01)
    watch.close()
    assert await asyncio.wait_for(waiter, 1) is False


async def test_postgres_notifications_advance_the_watch(postgres_url: str) -> None:
    from tests.support.database import empty_postgres

    empty_postgres(postgres_url)
    watch = RevisionWatch(0)
    ready = asyncio.Event()
    listener = asyncio.create_task(listen_for_revisions(postgres_url, watch, ready))
    database = Database(postgres_url)
    try:
        await asyncio.wait_for(ready.wait(), 10)
        waiter = asyncio.create_task(watch.wait_newer(0, 10))

        def commit() -> None:
            with database.write() as session:
                bump_revision(session)

        await asyncio.to_thread(commit)
        assert await asyncio.wait_for(waiter, 2)
        assert watch.revision == 1
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        database.dispose()


async def test_an_unreachable_database_is_retried_not_fatal() -> None:
    watch = RevisionWatch(0)
    ready = asyncio.Event()
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    listener = asyncio.create_task(listen_for_revisions(url, watch, ready))
    await asyncio.sleep(0.5)
    assert not listener.done() and not ready.is_set()
    listener.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listener
