"""Request smuggling shapes, on raw sockets through a real edge process: each is answered
400, the connection is closed, and not one byte of it reaches the origin, even when a warm
pooled connection to the origin is ready to take it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.edge_process import EdgeProcess
from tests.support.origin import Origin
from tests.support.raw_http import RawConnection, exchange
from tests.support.shared_edge import module_edge
from tests.support.zones import zone

HOST = b"Host: site.example\r\n"

SHAPES: dict[str, bytes] = {
    "content-length-and-transfer-encoding": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nG"
    ),
    "transfer-encoding-and-content-length": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n"
        b"0\r\n\r\nG"
    ),
    "differing-duplicate-content-length": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
    ),
    "content-length-list": (b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 5, 6\r\n\r\nhello!"),
    "negative-content-length": (b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: -5\r\n\r\n"),
    "invalid-chunk-size": (
        b"POST / HTTP/1.1\r\n"
        + HOST
        + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n"
    ),
    "chunk-size-overflow": (
        b"POST / HTTP/1.1\r\n"
        + HOST
        + b"Transfer-Encoding: chunked\r\n\r\n1000000000000000000005\r\nhello\r\n0\r\n\r\n"
    ),
    "invalid-chunk-extension": (
        b"POST / HTTP/1.1\r\n"
        + HOST
        + b"Transfer-Encoding: chunked\r\n\r\n5;\x01ext\r\nhello\r\n0\r\n\r\n"
    ),
    "chunk-extension-with-bare-lf": (
        b"POST / HTTP/1.1\r\n"
        + HOST
        + b"Transfer-Encoding: chunked\r\n\r\n5;a=b\nhello\r\n0\r\n\r\n"
    ),
    "chunked-not-last": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"
    ),
    "coding-before-chunked": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
    ),
    "coding-before-chunked-in-two-headers": (
        b"POST / HTTP/1.1\r\n"
        + HOST
        + b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "unknown-transfer-encoding": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"
    ),
    "obs-fold": b"GET / HTTP/1.1\r\n" + HOST + b"X-Note: first\r\n second\r\n\r\n",
    "obs-fold-of-transfer-encoding": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"
    ),
    "whitespace-before-colon": b"GET / HTTP/1.1\r\n" + HOST + b"X-Note : value\r\n\r\n",
    "whitespace-before-colon-content-length": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length : 5\r\n\r\nhello"
    ),
    "non-token-header-name": b"GET / HTTP/1.1\r\n" + HOST + b"X(Note): value\r\n\r\n",
    "space-in-header-name": b"GET / HTTP/1.1\r\n" + HOST + b"X Note: value\r\n\r\n",
    "control-character-in-header-name": b"GET / HTTP/1.1\r\n" + HOST + b"X\x7fNote: value\r\n\r\n",
    "leading-space-header-line": b"GET / HTTP/1.1\r\n" + HOST + b" X-Note: value\r\n\r\n",
    "cr-inside-header-value": b"GET / HTTP/1.1\r\n" + HOST + b"X-Note: a\rb\r\n\r\n",
    "duplicate-host": b"GET / HTTP/1.1\r\n" + HOST + HOST + b"\r\n",
    "missing-host": b"GET / HTTP/1.1\r\n\r\n",
    "space-in-target": b"GET /a b HTTP/1.1\r\n" + HOST + b"\r\n",
    "userinfo-in-absolute-target": b"GET http://me@site.example/ HTTP/1.1\r\n" + HOST + b"\r\n",
    "non-http-absolute-target": b"GET ftp://site.example/ HTTP/1.1\r\n" + HOST + b"\r\n",
    "unsupported-version": b"GET / HTTP/2.0\r\n" + HOST + b"\r\n",
}


@pytest.fixture(scope="module")
def edge(shared_origin: Origin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeProcess]:
    # One edge takes every shape in turn: none may leave it unable to serve the next.
    config = zone("site", ["site.example"], [shared_origin.url])
    with module_edge(config, tmp_path_factory.mktemp("edge")) as edge:
        yield edge


@pytest.fixture
def origin(shared_origin: Origin) -> Origin:
    shared_origin.reset()
    return shared_origin


def _warm_pool(edge: EdgeProcess, origin: Origin) -> int:
    """One good request so the edge holds an idle origin connection; bytes seen so far."""
    response, _ = exchange(
        edge.port, b"GET /warm HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n"
    )
    assert response is not None and response.status == 200
    # The pooled connection the shape could be sent on.
    assert origin.requests[-1].connection_id == 1
    return origin.received_bytes


@pytest.mark.parametrize("request_bytes", SHAPES.values(), ids=SHAPES.keys())
def test_smuggling_shape_is_refused_and_never_forwarded(
    edge, origin: Origin, request_bytes: bytes
) -> None:  # type: ignore[no-untyped-def]
    received_before = _warm_pool(edge, origin)
    # A valid request after the bad one: if the edge read past the bad one, it would show.
    response, raw = exchange(
        edge.port, request_bytes + b"GET /after HTTP/1.1\r\nHost: site.example\r\n\r\n"
    )
    assert response is not None, raw
    assert response.status == 400
    assert response.header("connection") == "close"
    assert response.header("stockade-request-id")
    # Exactly one response, then the end of the connection (read_until_closed returned).
    assert raw.count(b"HTTP/1.1 ") == 1
    assert origin.received_bytes == received_before
    assert [request.url for request in origin.requests] == ["/warm"]


@pytest.mark.parametrize("request_bytes", SHAPES.values(), ids=SHAPES.keys())
def test_smuggling_shape_after_a_good_request_on_one_connection(
    edge, origin: Origin, request_bytes: bytes
) -> None:  # type: ignore[no-untyped-def]
    # Pipelined behind a good request: the good one is answered, the bad one refused.
    with RawConnection(edge.port) as connection:
        connection.send(b"GET /first HTTP/1.1\r\nHost: site.example\r\n\r\n" + request_bytes)
        first = connection.read_response()
        assert first.status == 200
        assert first.body == b"hello from origin /first"
        second = connection.read_response()
        assert second.status == 400
        assert second.header("connection") == "close"
        connection.read_until_closed()
    assert [request.url for request in origin.requests] == ["/first"]


def test_error_page_says_who_was_at_fault(edge) -> None:  # type: ignore[no-untyped-def]
    response, _ = exchange(edge.port, SHAPES["content-length-and-transfer-encoding"])
    assert response is not None
    assert response.status == 400
    assert response.header("cache-control") == "no-store"
    assert response.header("stockade-request-id") in response.body.decode()
