"""Enforcement at the edge, fed raw requests: block pages, path and geo blocks, warnings,
and connections of a newly blocked zone closed."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from stockade.edge.config import EdgeSettings
from stockade.edge.enforce import normalize_path
from stockade.edge.runtime import Edge
from stockade.policy import Enforcement, Snapshot, Zone
from tests.support.geo import write_country_database
from tests.support.wire import Wire, header
from tests.support.zones import forum_zone

ORIGIN = "http://10.0.0.5:8080"
NOTICE = "https://provider.example/notices/7"
REASON = "This site is blocked because it is used to threaten a person."


def enforcement(action: str = "block", **fields: object) -> Enforcement:
    values: dict[str, object] = {
        "id": "e7",
        "action": action,
        "basis": "emergency",
        "reason": REASON,
        "notice_url": NOTICE,
    }
    values.update(fields)
    return Enforcement(**values)  # type: ignore[arg-type]


def zone(*enforcements: Enforcement) -> Zone:
    return forum_zone(enforcements=enforcements)


def make_edge(
    loop: asyncio.AbstractEventLoop, *enforcements: Enforcement, geoip: str | None = None
) -> Edge:
    return Edge(
        EdgeSettings(geoip_database=geoip), Snapshot(revision=1, zones=(zone(*enforcements),)), loop
    )


def get(wire: Wire, path: bytes, extra: bytes = b"") -> bytes:
    wire.transport.take()
    wire.send(b"GET " + path + b" HTTP/1.1\r\nHost: forum.example\r\n" + extra + b"\r\n")
    return wire.transport.take()


def test_a_blocked_zone_answers_451_with_the_notice_and_never_asks_the_origin(
    loop: asyncio.AbstractEventLoop,
) -> None:
    wire = Wire(make_edge(loop, enforcement()))
    upstream = wire.pool_connection(ORIGIN)
    response = get(wire, b"/thread/1", b"Accept: text/html\r\n")
    assert response.startswith(b"HTTP/1.1 451 Unavailable For Legal Reasons\r\n")
    assert header(response, b"link") == b'<https://provider.example/notices/7>; rel="blocked-by"'
    assert header(response, b"cache-control") == b"no-store"
    request_id = header(response, b"stockade-request-id")
    body = response.partition(b"\r\n\r\n")[2]
    assert request_id in body
    assert REASON.encode() in body
    assert b'href="https://provider.example/notices/7"' in body
    document = json.loads(
        get(wire, b"/", b"Accept: application/json\r\n").partition(b"\r\n\r\n")[2]
    )
    assert document["notice_url"] == NOTICE
    assert document["status"] == 451
    assert upstream.data() == b""
    assert not wire.transport.ended  # a block page keeps the connection usable


def test_status_403_and_time_windows(loop: asyncio.AbstractEventLoop) -> None:
    now = time.time()
    wire = Wire(make_edge(loop, enforcement(status=403, ends_at=now + 60)))
    assert get(wire, b"/").startswith(b"HTTP/1.1 403 Forbidden")
    later = Wire(make_edge(loop, enforcement(starts_at=now + 60)))
    later.pool_connection(ORIGIN)
    get(later, b"/")
    assert later.upstreams[0][1].data().startswith(b"GET / ")
    ended = Wire(make_edge(loop, enforcement(starts_at=now - 60, ends_at=now - 1)))
    ended.pool_connection(ORIGIN)
    get(ended, b"/")
    assert ended.upstreams[0][1].data().startswith(b"GET / ")


@pytest.mark.parametrize(
    ("path", "blocked"),
    [
        (b"/threads/12", True),
        (b"/threads/12/page-2", True),
        (b"/threads/123", False),
        (b"/threads/%31%32", True),
        (b"/x/../threads/12", True),
        (b"//threads//12", True),
        (b"/u/alice/posts", True),
        (b"/u/alice/bob/posts", False),
        (b"/dox/a/b/c.txt", True),
        (b"/about", False),
    ],
)
def test_path_blocks(loop: asyncio.AbstractEventLoop, path: bytes, blocked: bool) -> None:
    rule = enforcement("path_block", paths=("/threads/12", "/u/*/posts", "/dox/**"))
    wire = Wire(make_edge(loop, rule))
    wire.pool_connection(ORIGIN)
    response = get(wire, path)
    assert response.startswith(b"HTTP/1.1 451 ") is blocked
    assert (wire.upstreams[0][1].data() != b"") is not blocked


def test_path_normalisation() -> None:
    assert normalize_path(b"/a/./b/../c?x=1") == "/a/c"
    assert normalize_path(b"/a%2Fb") == "/a/b"
    assert normalize_path(b"/dir/") == "/dir/"
    assert normalize_path(b"http://host.example/p") == "/p"


def test_geo_blocks_use_the_country_database(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    database = write_country_database(
        tmp_path / "c.mmdb", {"203.0.113.0/24": "FR", "198.51.100.0/24": "DE"}
    )
    edge = make_edge(loop, enforcement("geo_block", countries=("FR",)), geoip=str(database))
    french = Wire(edge, peer=("203.0.113.7", 1))
    assert get(french, b"/").startswith(b"HTTP/1.1 451 ")
    german = Wire(edge, peer=("198.51.100.7", 1))
    german.pool_connection(ORIGIN)
    get(german, b"/")
    assert german.upstreams[0][1].data().startswith(b"GET / ")


def test_geo_blocks_without_a_database_hold_for_everyone(loop: asyncio.AbstractEventLoop) -> None:
    wire = Wire(make_edge(loop, enforcement("geo_block", countries=("FR",))))
    assert get(wire, b"/").startswith(b"HTTP/1.1 451 ")


def test_interstitial_then_consent_then_the_site(loop: asyncio.AbstractEventLoop) -> None:
    wire = Wire(make_edge(loop, enforcement("interstitial", status=403)))
    wire.pool_connection(ORIGIN)
    warning = get(wire, b"/gallery", b"Accept: text/html\r\n")
    assert warning.startswith(b"HTTP/1.1 403 ")
    assert b'href="/.well-known/stockade/consent"' in warning
    consent = get(
        wire,
        b"/.well-known/stockade/consent",
        b"Referer: http://forum.example/gallery?page=2\r\n",
    )
    assert consent.startswith(b"HTTP/1.1 303 ")
    assert header(consent, b"location") == b"/gallery"
    cookie = header(consent, b"set-cookie")
    assert cookie is not None and cookie.startswith(b"stockade_consent=e7; Path=/;")
    assert b"HttpOnly" in cookie
    get(wire, b"/gallery", b"Cookie: theme=dark; stockade_consent=e7\r\n")
    assert wire.upstreams[0][1].data().startswith(b"GET /gallery ")


def test_consent_never_redirects_off_site(loop: asyncio.AbstractEventLoop) -> None:
    wire = Wire(make_edge(loop, enforcement("interstitial")))
    for target in (b"//evil.example/x", b"https://evil.example/", b"%2F%2Fevil.example"):
        consent = get(wire, b"/.well-known/stockade/consent?next=" + target)
        assert header(consent, b"location") == b"/"


def test_a_new_block_closes_the_zone_connections(loop: asyncio.AbstractEventLoop) -> None:
    edge = make_edge(loop)
    busy = Wire(edge)
    upstream = busy.pool_connection(ORIGIN)
    busy.send(b"GET /stream HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    idle = Wire(edge)
    idle.pool_connection(ORIGIN)
    get(idle, b"/")
    idle.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    other = Wire(edge)
    edge.apply(Snapshot(revision=2, zones=(zone(enforcement()),)))
    assert busy.transport.closed and upstream.closed
    assert idle.transport.closed
    assert not other.transport.ended  # no request of the zone went through it
    # A snapshot that keeps the block does not close anything again.
    fresh = Wire(edge)
    get(fresh, b"/")
    edge.apply(Snapshot(revision=3, zones=(zone(enforcement()),)))
    assert not fresh.transport.ended
