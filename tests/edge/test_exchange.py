"""One exchange from request head to response end: what reaches the origin, what comes
back, retries and upgrades. Raw bytes and mock transports, no sockets."""

from __future__ import annotations

import asyncio

import msgspec

from stockade.edge.config import EdgeSettings
from stockade.edge.runtime import Edge
from stockade.policy import SigningKey, Snapshot
from tests.edge.conftest import ZONE
from tests.support.wire import Wire
from tests.support.wire import header as _header


def test_response_is_sent_back_with_request_id_and_without_hop_by_hop(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    request_id = _header(upstream.take(), b"stockade-request-id")
    wire.reply(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive, X-Internal\r\n"
        b"X-Internal: secret\r\nKeep-Alive: timeout=5\r\nX-App: 1\r\n\r\nhello"
    )
    response = wire.transport.take()
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert response.endswith(b"\r\n\r\nhello")
    assert _header(response, b"stockade-request-id") == request_id
    assert _header(response, b"x-app") == b"1"
    for dropped in (b"x-internal", b"keep-alive:", b"connection:"):
        assert dropped not in response.lower()
    # The origin connection went back to the pool for the next request.
    origin = edge.registry.get("http://10.0.0.5:8080", True)
    assert origin.idle == [wire.upstreams[0][0]]
    assert not wire.transport.ended


def test_chunked_upstream_response_is_rechunked_and_close_delimited_for_http10(
    edge: Edge,
) -> None:
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    response = wire.transport.take()
    assert b"transfer-encoding: chunked\r\n" in response
    assert response.endswith(b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n")

    old = Wire(edge)
    old.pool_connection()
    old.send(b"GET / HTTP/1.0\r\nHost: forum.example\r\n\r\n")
    old.reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    response = old.transport.data()
    assert b"transfer-encoding" not in response.lower()
    assert response.endswith(b"\r\n\r\nabc")
    assert old.transport.ended


def test_head_response_has_no_body_and_keeps_the_connection(edge: Edge) -> None:
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(b"HEAD / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
    response = wire.transport.take()
    assert _header(response, b"content-length") == b"1234"
    assert response.endswith(b"\r\n\r\n")
    assert not wire.transport.ended
    origin = edge.registry.get("http://10.0.0.5:8080", True)
    assert len(origin.idle) == 1


def test_origin_host_is_rewritten(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection("http://10.0.0.6:8080")
    wire.send(b"GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n")
    sent = upstream.take()
    assert b"\r\nhost: shop.internal\r\n" in sent
    assert b"x-forwarded-host: shop.example\r\n" in sent


def test_origin_that_dies_before_answering_a_get_is_retried(edge: Edge) -> None:
    wire = Wire(edge)
    first = wire.pool_connection()
    second = wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    # The pool is a stack: the newest idle connection is used first.
    assert second.take().startswith(b"GET / ")
    second.close()
    assert first.take().startswith(b"GET / ")
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", index=0)
    assert wire.transport.data().startswith(b"HTTP/1.1 200 OK")


def test_post_is_not_retried_when_the_origin_dies(edge: Edge) -> None:
    wire = Wire(edge)
    wire.pool_connection()
    second = wire.pool_connection()
    wire.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 2\r\n\r\nhi")
    assert second.take().endswith(b"hi")
    second.close()
    response = wire.transport.data()
    assert response.startswith(b"HTTP/1.1 502 ")
    assert wire.upstreams[0][1].data() == b""


def test_websocket_upgrade_becomes_a_tunnel(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(
        b"GET /chat HTTP/1.1\r\nHost: forum.example\r\nConnection: Upgrade\r\n"
        b"Upgrade: websocket\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\nEARLY"
    )
    sent = upstream.take()
    assert b"connection: upgrade\r\nupgrade: websocket\r\n" in sent
    assert b"EARLY" not in sent
    wire.reply(
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Accept: a\r\n\r\nFROM-ORIGIN"
    )
    response = wire.transport.take()
    assert response.startswith(b"HTTP/1.1 101 ")
    assert response.endswith(b"\r\n\r\nFROM-ORIGIN")
    assert upstream.take() == b"EARLY"
    wire.send(b"MORE")
    assert upstream.take() == b"MORE"
    wire.reply(b"BACK")
    assert wire.transport.take() == b"BACK"
    upstream.close()
    assert wire.transport.ended


def test_a_response_in_a_transfer_coding_other_than_chunked_is_a_bad_gateway(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    response = wire.transport.take()
    assert response.startswith(b"HTTP/1.1 502 ")
    assert b"abc" not in response
    assert upstream.closed
    # The visitor's connection stays usable: the failure was the origin's.
    assert not wire.transport.ended
    # Counted against the origin as a failure, not as an answer.
    origin = edge.registry.get("http://10.0.0.5:8080", True)
    assert origin.failures == 1
    assert edge.metrics.latency_count == 0
    assert edge.metrics.errors == {"upstream": 1}


def test_a_sampled_response_is_kept_as_it_streams_and_queued_when_complete(
    loop: asyncio.AbstractEventLoop,
) -> None:
    key = SigningKey.generate().verify_key().to_text()
    settings = EdgeSettings(control_url="http://127.0.0.1:9", control_key=key)
    zone = msgspec.structs.replace(ZONE, sample_rate=1.0)
    edge = Edge(settings, Snapshot(revision=1, zones=(zone,)), loop)
    assert edge.samples is not None
    html = b"Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    for request, reply in (
        (b"GET /a HTTP/1.1", b"HTTP/1.1 200 OK\r\n" + html + b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"),
        (b"GET /b HTTP/1.1", b"HTTP/1.1 404 Not Found\r\n" + html + b"1\r\nx\r\n0\r\n\r\n"),
        (b"HEAD /c HTTP/1.1", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"),
    ):
        wire = Wire(edge)
        wire.pool_connection()
        wire.send(request + b"\r\nHost: forum.example\r\n\r\n")
        wire.reply(reply)
    (sample,) = edge.samples.waiting
    assert (sample.path, sample.body, sample.content_type) == ("/a", b"abcdef", "text/html")


def test_a_zone_that_does_not_sample_keeps_nothing(edge: Edge) -> None:
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1\r\n\r\n")
    exchange = wire.protocol.current
    assert exchange is not None and exchange.sample is None
