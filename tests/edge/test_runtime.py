"""One worker's edge: snapshots applied, settings reloaded, deadlines swept."""

from __future__ import annotations

import asyncio
import re
import time

import msgspec

from stockade.edge.config import EdgeSettings, Limits
from stockade.edge.runtime import Edge
from stockade.policy import Enforcement, Snapshot, Zone
from tests.support.wire import Wire

ZONE = Zone(name="forum", hostnames=("forum.example",), origins=("http://10.0.0.5:8080",))


def block(**fields: object) -> Enforcement:
    values: dict[str, object] = {
        "id": "e1",
        "action": "block",
        "basis": "legal",
        "reason": "Blocked by court order.",
        "notice_url": "/notices/1",
    }
    return Enforcement(**{**values, **fields})  # type: ignore[arg-type]


def test_request_ids_are_unique(edge: Edge) -> None:
    ids = {edge.next_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    other = Edge(edge.settings, edge.snapshot, edge.loop)
    assert not ids & {other.next_request_id() for _ in range(1000)}  # another worker's
    assert all(re.fullmatch(rb"[0-9a-f]{8}[0-9]+", request_id) for request_id in ids)


def test_reconfigure_applies_limits_and_zones(edge: Edge) -> None:
    settings = msgspec.structs.replace(
        edge.settings, limits=Limits(max_headers=5), via="edge-7", workers=4
    )
    edge.reconfigure(settings, Snapshot(revision=9, zones=(ZONE,)))
    assert edge.revision == 9
    assert edge.settings.limits.max_headers == 5
    assert edge.settings.workers == 1  # needs a restart
    assert edge.via_line == b"via: 1.1 edge-7\r\n"
    assert edge.table.find("shop.example") is None


def test_sweeper_times_out_slow_visitors(edge: Edge, loop: asyncio.AbstractEventLoop) -> None:
    slow = Wire(edge)
    slow.send(b"GET / HTTP/1.1\r\nHost: forum.exa")
    slow.protocol.deadline = loop.time() - 1
    edge._sweep()
    assert slow.transport.data().startswith(b"HTTP/1.1 408 ")
    waiting = Wire(edge)
    waiting.pool_connection()
    waiting.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    assert waiting.protocol.current is not None
    waiting.protocol.current.upstream_deadline = loop.time() - 1
    edge._sweep()
    assert waiting.transport.data().startswith(b"HTTP/1.1 504 ")


def test_a_scheduled_block_closes_connections_when_it_begins(
    loop: asyncio.AbstractEventLoop,
) -> None:
    starts = time.time() + 30
    edge = Edge(
        EdgeSettings(),
        Snapshot(
            revision=1,
            zones=(msgspec.structs.replace(ZONE, enforcements=(block(starts_at=starts),)),),
        ),
        loop,
    )
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    edge._check_scheduled_blocks(starts - 1)
    assert not wire.transport.ended
    edge._check_scheduled_blocks(starts + 1)
    assert wire.transport.closed


async def test_shutdown_waits_for_requests_in_flight() -> None:
    edge = Edge(
        EdgeSettings(shutdown_timeout=1.0),
        Snapshot(zones=(ZONE,)),
        asyncio.get_running_loop(),
    )
    idle = Wire(edge)
    busy = Wire(edge)
    busy.pool_connection()
    busy.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    shutdown = asyncio.create_task(edge.shutdown())
    await asyncio.sleep(0.1)
    assert idle.transport.closed
    assert not busy.transport.ended
    busy.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    await asyncio.wait_for(shutdown, 2)
    response = busy.transport.data()
    assert response.startswith(b"HTTP/1.1 200 OK") and b"connection: close" in response
    assert busy.transport.closed  # no lingering while shutting down
