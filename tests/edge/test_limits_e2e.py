"""Request limits through a real edge process: header count and size (431), target length
(414), body size (413, announced or found mid-stream); nothing over a limit reaches the
origin, and a head that never ends is not buffered."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.edge_process import EdgeProcess
from tests.support.origin import Origin
from tests.support.raw_http import RawConnection, exchange, parse_first
from tests.support.shared_edge import module_edge
from tests.support.streaming import RssSampler
from tests.support.zones import zone

LIMITS = "[edge.limits]\nmax_headers = 50\nmax_header_bytes = 8192\nmax_url_bytes = 2048"
MAX_BODY = 100_000


@pytest.fixture(scope="module")
def edge(shared_origin: Origin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeProcess]:
    config = zone("site", ["site.example"], [shared_origin.url], max_body_bytes=MAX_BODY)
    with module_edge(config, tmp_path_factory.mktemp("edge"), edge_settings=LIMITS) as edge:
        yield edge


@pytest.fixture
def origin(shared_origin: Origin) -> Origin:
    shared_origin.reset()
    return shared_origin


def _refused(edge, request: bytes, status: int) -> None:  # type: ignore[no-untyped-def]
    response, raw = exchange(edge.port, request)
    assert response is not None, raw
    assert response.status == status
    assert response.header("connection") == "close"
    assert response.header("stockade-request-id") in response.body.decode()


def test_too_many_headers_is_431(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # Host and Connection count: 51 headers in all, one over the limit.
    headers = b"".join(b"X-N%d: v\r\n" % index for index in range(49))
    head = b"GET / HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n"
    _refused(edge, head + headers + b"\r\n", 431)
    # One header fewer passes.
    response, _ = exchange(edge.port, head + headers[: -len(b"X-N48: v\r\n")] + b"\r\n")
    assert response is not None and response.status == 200
    assert len(origin.requests) == 1


def test_one_header_too_large_is_431(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    _refused(
        edge, b"GET / HTTP/1.1\r\nHost: site.example\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431
    )
    assert origin.requests == []


def test_headers_too_large_together_is_431(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    headers = b"".join(b"X-N%d: %s\r\n" % (index, b"v" * 500) for index in range(20))
    _refused(edge, b"GET / HTTP/1.1\r\nHost: site.example\r\n" + headers + b"\r\n", 431)
    assert origin.requests == []


def test_url_too_long_is_414(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    _refused(edge, b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: site.example\r\n\r\n", 414)
    assert origin.requests == []


def test_head_that_never_ends_is_refused_without_buffering_it(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # One header value that grows and grows: the edge must refuse it once it is past any
    # head it would accept, not hold it until the line ends or the header timeout.
    piece = b"a" * 65536
    sent = 0
    with RssSampler(edge.process.pid) as sampler, RawConnection(edge.port) as connection:
        connection.send(b"GET / HTTP/1.1\r\nHost: site.example\r\nX-Endless: ")
        deadline = time.monotonic() + 10
        while sent < 256 << 20 and time.monotonic() < deadline:
            if select.select([connection.sock], [], [], 0)[0]:
                break  # the edge answered (or closed)
            try:
                connection.sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        try:
            raw = connection.read_until_closed()
        except ConnectionResetError:
            raw = bytes(connection.received)
    assert sent < 8 << 20, f"the edge read {sent} bytes of one header"
    assert sampler.growth < 16 << 20
    response = parse_first(bytes(connection.received) or raw)
    assert response is not None and response.status == 431
    assert origin.requests == []


def test_body_announced_too_large_is_413_before_any_of_it(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(
            b"POST /upload HTTP/1.1\r\nHost: site.example\r\nContent-Length: %d\r\n"
            b"Expect: 100-continue\r\n\r\n" % (MAX_BODY + 1)
        )
        response = connection.read_response()
        assert response.status == 413
        assert response.header("connection") == "close"
        # No 100 Continue came first: the visitor was told not to send the body.
        assert connection.interim_statuses() == []
        connection.read_until_closed()
    assert origin.received_bytes == 0


def test_a_visitor_still_sending_a_refused_body_reads_the_413_without_a_reset(
    edge, origin: Origin
) -> None:  # type: ignore[no-untyped-def]
    # Lingering close: the edge reads and drops the rest of the body instead of closing
    # on unread bytes, which would reset the connection under the visitor.
    body = b"d" * (40 * MAX_BODY)
    with socket.create_connection(("127.0.0.1", edge.port), timeout=5) as sock:
        sock.sendall(
            b"POST /upload HTTP/1.1\r\nHost: site.example\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        time.sleep(0.2)  # the 413 and the edge's end of sending are out before the body
        sock.sendall(body)  # a reset would fail this
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):  # a reset would raise here
            received += chunk
    response = parse_first(received)
    assert response is not None, received
    assert response.status == 413
    assert response.header("connection") == "close"
    assert origin.received_bytes == 0


def test_body_at_the_limit_passes(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    body = b"b" * MAX_BODY
    response, _ = exchange(
        edge.port,
        b"POST /upload HTTP/1.1\r\nHost: site.example\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(body), body),
    )
    assert response is not None and response.status == 200
    assert origin.requests[0].body == body


def test_chunked_body_too_large_is_413_mid_stream(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    piece = b"c" * 10_000
    with socket.create_connection(("127.0.0.1", edge.port), timeout=5) as sock:
        sock.sendall(
            b"POST /upload HTTP/1.1\r\nHost: site.example\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sent = 0
        received = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sent < 100 * MAX_BODY:
            if select.select([sock], [], [], 0.01)[0]:
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    response = parse_first(received)
    assert response is not None, received
    assert response.status == 413
    assert response.header("connection") == "close"
    # Some of the body went to the origin before the limit was passed, never a whole request.
    assert origin.requests == []
    assert origin.received_bytes <= MAX_BODY + 64 * 1024
