"""The visitor-side protocol, fed raw bytes with mock transports: no sockets, no loop run."""

from __future__ import annotations

import asyncio

import pytest

from stockade.edge.runtime import Edge
from tests.support.wire import Wire
from tests.support.wire import header as _header


def test_request_is_forwarded_with_edge_headers(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(
        b"GET /thread/1?x=y HTTP/1.1\r\nHost: forum.example\r\nUser-Agent: t\r\n"
        b"X-Forwarded-For: 198.51.100.1\r\nConnection: keep-alive, X-Secret\r\n"
        b"X-Secret: hidden\r\nKeep-Alive: timeout=5\r\nStockade-Request-Id: forged\r\n\r\n"
    )
    sent = upstream.take()
    head, _, rest = sent.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"GET /thread/1?x=y HTTP/1.1"
    assert b"host: forum.example" in lines
    assert b"User-Agent: t" in lines
    assert b"x-forwarded-for: 198.51.100.1, 203.0.113.7" in lines
    assert b"x-forwarded-proto: http" in lines
    assert b"x-forwarded-host: forum.example" in lines
    assert b"via: 1.1 stockade" in lines
    lowered = head.lower()
    for dropped in (b"x-secret", b"keep-alive", b"connection", b"forged"):
        assert dropped not in lowered
    assert rest == b""


def test_pipelined_requests_are_answered_in_order(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(
        b"GET /1 HTTP/1.1\r\nHost: forum.example\r\n\r\n"
        b"GET /2 HTTP/1.1\r\nHost: nowhere.example\r\n\r\n"
        b"GET /3 HTTP/1.1\r\nHost: forum.example\r\n\r\n"
    )
    # Only the first is on its way; the others wait and reading is paused.
    assert upstream.take().startswith(b"GET /1 ")
    assert not wire.transport.reading
    assert wire.transport.data() == b""
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA")
    # /2 is answered by the edge (unknown host) and /3 goes to the origin on the same
    # pooled connection.
    assert upstream.take().startswith(b"GET /3 ")
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC")
    data = wire.transport.data()
    assert data.index(b"\r\n\r\nA") < data.index(b"404 Not Found") < data.index(b"\r\n\r\nC")
    assert wire.transport.reading


def test_request_body_is_streamed_and_chunked_framing_kept(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"POST /form HTTP/1.1\r\nHost: forum.example\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert b"transfer-encoding: chunked\r\n\r\n" in upstream.take()
    wire.send(b"4\r\nab")
    wire.send(b"cd\r\n0\r\n\r\n")
    assert upstream.take() == b"2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n"


def test_expect_continue_is_answered_when_the_origin_is_ready(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(
        b"PUT /f HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 3\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    assert wire.transport.take() == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert b"expect" not in upstream.take().lower()
    wire.send(b"abc")
    assert upstream.take() == b"abc"


def test_expect_continue_over_the_limit_gets_413_without_continue(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(
        b"PUT /f HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 5000\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    response = wire.transport.data()
    assert response.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in response
    assert upstream.data() == b""
    assert wire.transport.ended


def test_chunked_body_over_the_limit_is_cut_with_413(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nTransfer-Encoding: chunked\r\n\r\n")
    wire.send(b"3e8\r\n" + b"x" * 1000 + b"\r\n")
    assert not wire.transport.ended
    wire.send(b"1\r\nx\r\n")
    assert wire.transport.data().startswith(b"HTTP/1.1 413 ")
    assert wire.transport.ended
    assert upstream.closed


def test_after_a_refused_body_the_edge_lingers_then_closes(
    edge: Edge, loop: asyncio.AbstractEventLoop
) -> None:
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(b"PUT /f HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 500000\r\n\r\n")
    response = wire.transport.take()
    assert response.startswith(b"HTTP/1.1 413 ") and b"connection: close" in response
    # The sending side is shut, not the socket: the body still coming is read and dropped,
    # so no reset destroys the 413 before the visitor reads it.
    assert wire.transport.eof_written and not wire.transport.closed
    assert wire.transport.reading
    wire.send(b"x" * 65536)
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    assert wire.transport.take() == b""
    assert wire.protocol.deadline <= loop.time() + 5.0
    # Quiet for too long: closed.
    wire.protocol.on_timeout()
    assert wire.transport.closed

    gone = Wire(edge)
    gone.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 5000\r\n\r\nab")
    assert gone.transport.eof_written
    # The visitor closing its side ends the lingering at once.
    assert gone.protocol.eof_received() is False


def test_bytes_after_a_body_refused_mid_read_are_dropped_not_parsed(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nTransfer-Encoding: chunked\r\n\r\n")
    # In one read: a chunk over the limit, the end of the body, and another request.
    wire.send(
        b"3e9\r\n"
        + b"x" * 1001
        + b"\r\n0\r\n\r\nGET /second HTTP/1.1\r\nHost: forum.example\r\n\r\n"
    )
    response = wire.transport.take()
    assert response.startswith(b"HTTP/1.1 413 ") and response.count(b"HTTP/1.1") == 1
    assert b"/second" not in upstream.data()
    assert wire.transport.eof_written and wire.transport.reading
    assert wire.protocol.current is None and not wire.protocol.queue


def test_lingering_ends_by_its_limits_whatever_the_visitor_does(
    edge: Edge, loop: asyncio.AbstractEventLoop
) -> None:
    wire = Wire(edge)
    wire.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 5000\r\n\r\nab")
    protocol = wire.protocol
    assert protocol.linger_until <= loop.time() + 30.0
    # A visitor reading the last response slowly keeps it, up to the limit...
    wire.transport.buffered = 4096
    protocol.pause_writing()
    protocol.resume_writing()
    assert protocol.deadline <= loop.time() + 5.0
    protocol.on_timeout()
    assert not wire.transport.closed and protocol.deadline <= protocol.linger_until
    # ... past which what it did not read is dropped.
    protocol.linger_until = loop.time() - 1
    protocol.on_timeout()
    assert wire.transport.aborted


def test_no_lingering_where_the_visitor_sends_no_more_or_one_side_cannot_be_shut(
    edge: Edge,
) -> None:
    half_closed = Wire(edge)
    half_closed.pool_connection()
    half_closed.send(b"GET / HTTP/1.0\r\nHost: forum.example\r\n\r\n")
    assert half_closed.protocol.eof_received() is True
    half_closed.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert half_closed.transport.closed and not half_closed.transport.eof_written

    tls = Wire(edge, scheme=b"https")
    tls.transport.can_shut_one_side = False
    tls.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 5000\r\n\r\nab")
    assert tls.transport.data().startswith(b"HTTP/1.1 413 ")
    assert tls.transport.closed and not tls.transport.eof_written


def test_a_shutdown_ends_lingering_at_once(edge: Edge) -> None:
    wire = Wire(edge)
    wire.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 5000\r\n\r\nab")
    assert wire.transport.eof_written and not wire.transport.closed
    wire.protocol.shutdown()
    assert wire.transport.closed


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET / HTTP/1.1\r\nHost: unknown.example\r\n\r\n", 404),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: forum.example\r\nHost: forum.example\r\n\r\n", 400),
        (b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: forum.example\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: forum.example\r\n" + b"X: y\r\n" * 30 + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: forum.example\r\nX: " + b"y" * 3000 + b"\r\n\r\n", 431),
        (
            b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 3\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            400,
        ),
        (
            b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 3\r\n"
            b"Content-Length: 4\r\n\r\n",
            400,
        ),
        (b"GET / HTTP/1.1\r\nHost: forum.example\r\nX-A: b\r\n c\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: forum.example\r\nX-A : b\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: forum.example\r\nX(A): b\r\n\r\n", 400),
        (b"GET /\r\n\r\n", 400),
    ],
)
def test_bad_requests_get_a_page_and_never_reach_the_origin(
    edge: Edge, request_bytes: bytes, status: int
) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(request_bytes)
    response = wire.transport.data()
    assert response.startswith(b"HTTP/1.1 %d " % status)
    assert _header(response, b"stockade-request-id")
    assert upstream.data() == b""
    if status != 404:
        assert wire.transport.ended


@pytest.mark.parametrize(
    "body",
    [b"zz\r\nhello\r\n0\r\n\r\n", b"5;\x01\r\nhello\r\n0\r\n\r\n", b"5\nhello\r\n0\r\n\r\n"],
)
def test_bad_chunks_close_the_connection_and_the_origin_request(edge: Edge, body: bytes) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nTransfer-Encoding: chunked\r\n\r\n")
    wire.send(body)
    assert wire.transport.data().startswith(b"HTTP/1.1 400 ")
    assert wire.transport.ended
    # The origin saw a request start; the edge cut it so no half request is completed.
    assert upstream.closed


def test_error_pages_follow_accept(edge: Edge) -> None:
    for accept, content_type in (
        (b"text/html,*/*;q=0.8", b"text/html; charset=utf-8"),
        (b"application/json", b"application/json"),
        (b"*/*", b"text/plain; charset=utf-8"),
    ):
        wire = Wire(edge)
        wire.send(b"GET / HTTP/1.1\r\nHost: nope.example\r\nAccept: " + accept + b"\r\n\r\n")
        response = wire.transport.data()
        assert _header(response, b"content-type") == content_type
        assert _header(response, b"stockade-request-id") in response.partition(b"\r\n\r\n")[2]


def test_idle_keep_alive_timeout_closes_silently_and_slow_headers_get_408(
    edge: Edge, loop: asyncio.AbstractEventLoop
) -> None:
    idle = Wire(edge)
    assert idle.protocol.deadline <= loop.time() + edge.settings.limits.header_timeout
    idle.protocol.on_timeout()
    assert idle.transport.closed and idle.transport.data() == b""

    slow = Wire(edge)
    slow.send(b"GET / HTTP/1.1\r\nHost: forum.exa")
    slow.protocol.on_timeout()
    assert slow.transport.data().startswith(b"HTTP/1.1 408 ")
    assert slow.transport.ended


def test_visitor_leaving_closes_the_origin_connection(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"GET /slow HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.transport.close()
    assert upstream.closed


def test_backpressure_pauses_the_other_side(edge: Edge) -> None:
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"POST / HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 900\r\n\r\n")
    # The origin is slow to take the body: stop reading from the visitor.
    wire.upstreams[0][0].pause_writing()
    assert not wire.transport.reading
    wire.upstreams[0][0].resume_writing()
    assert wire.transport.reading
    wire.send(b"x" * 900)
    upstream.take()
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
    # The visitor is slow to read the response: stop reading from the origin.
    wire.protocol.pause_writing()
    assert not upstream.reading
    wire.protocol.resume_writing()
    assert upstream.reading


@pytest.mark.parametrize(
    ("request_line", "keep_alive_header"),
    [
        (b"GET / HTTP/1.1", b""),
        (b"GET / HTTP/1.0", b"Connection: keep-alive\r\n"),
        # llhttp reads Proxy-Connection as Connection: it must not pass for HTTP/1.1.
        (b"GET / HTTP/1.0", b"Proxy-Connection: keep-alive\r\n"),
    ],
)
def test_the_http_version_is_known_with_or_without_a_connection_header(
    edge: Edge, request_line: bytes, keep_alive_header: bytes
) -> None:
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(request_line + b"\r\nHost: forum.example\r\n" + keep_alive_header + b"\r\n")
    # No length: an HTTP/1.1 visitor gets the body chunked, an HTTP/1.0 one until the end.
    wire.reply(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
    response = wire.transport.take()
    if request_line.endswith(b"1.1"):
        assert b"transfer-encoding: chunked\r\n" in response
        assert not wire.transport.ended
    else:
        assert b"transfer-encoding" not in response
        assert response.endswith(b"\r\n\r\nok")
        assert wire.transport.ended
