"""Visitor-side timeouts through a real edge process, with short limits: slow headers
(slowloris) get 408, an idle keep-alive connection is closed silently, a stalled body gets
408, and a visitor that stops reading a response is cut off."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.origin import Origin
from tests.support.raw_http import RawConnection, parse_first
from tests.support.streaming import StreamingOrigin, download, pattern_crc
from tests.support.zones import zone

TIMEOUT = 1.0
# The sweeper checks deadlines every 0.25 s; allow for it and a loaded machine.
SLACK = 1.0
LIMITS = (
    f"[edge.limits]\nheader_timeout = {TIMEOUT}\nidle_timeout = {TIMEOUT}\nbody_timeout = {TIMEOUT}"
)


@pytest.fixture
def origin() -> Iterator[Origin]:
    origin = Origin()
    yield origin
    origin.close()


@pytest.fixture
def edge(edge_process, origin: Origin):  # type: ignore[no-untyped-def]
    return edge_process.start(zone("site", ["site.example"], [origin.url]), edge_settings=LIMITS)


def test_slow_headers_get_408_and_a_closed_socket(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    received = b""
    with socket.create_connection(("127.0.0.1", edge.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: site.example\r\n")
        # One more header line every 0.2 s: always sending, never finishing.
        for index in range(50):
            if select.select([sock], [], [], 0.2)[0]:
                break
            try:
                sock.sendall(b"X-Slow-%d: v\r\n" % index)
            except (BrokenPipeError, ConnectionResetError):
                break
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        elapsed = time.monotonic() - started
    response = parse_first(received)
    assert response is not None, received
    assert response.status == 408
    assert response.header("connection") == "close"
    assert TIMEOUT <= elapsed < TIMEOUT + SLACK
    assert origin.received_bytes == 0


def test_connection_that_sends_nothing_is_closed_silently(edge) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        started = time.monotonic()
        assert connection.read_until_closed(timeout=TIMEOUT + 3) == b""
        assert TIMEOUT <= time.monotonic() - started < TIMEOUT + SLACK


def test_idle_keep_alive_connection_is_closed_silently(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        request = b"GET /%d HTTP/1.1\r\nHost: site.example\r\n\r\n"
        # Each request within the idle timeout keeps the connection.
        for index in range(3):
            connection.send(request % index)
            assert connection.read_response().status == 200
            time.sleep(TIMEOUT * 0.6)
        started = time.monotonic()
        assert connection.read_until_closed(timeout=TIMEOUT + 3) == b""
        assert time.monotonic() - started < TIMEOUT + SLACK
    assert origin.connections == 1
    assert len(origin.requests) == 3


def test_stalled_body_gets_408(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(
            b"POST /upload HTTP/1.1\r\nHost: site.example\r\nContent-Length: 100\r\n\r\n0123456789"
        )
        started = time.monotonic()
        response = connection.read_response(timeout=TIMEOUT + 3)
        elapsed = time.monotonic() - started
        assert response.status == 408
        assert response.header("connection") == "close"
        connection.read_until_closed()
    assert TIMEOUT <= elapsed < TIMEOUT + SLACK
    # The origin saw the start of the request, never a whole one.
    assert origin.requests == []


def test_body_that_keeps_coming_is_not_cut_off(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # The body timeout is between pieces, not for the whole body.
    with RawConnection(edge.port) as connection:
        connection.send(b"POST /upload HTTP/1.1\r\nHost: site.example\r\nContent-Length: 5\r\n\r\n")
        for byte in b"hello":
            time.sleep(TIMEOUT * 0.5)
            connection.send(bytes([byte]))
        response = connection.read_response()
    assert response.status == 200
    assert origin.requests[0].body == b"hello"


def test_visitor_that_stops_reading_is_cut_off(edge_process) -> None:  # type: ignore[no-untyped-def]
    files = StreamingOrigin()
    try:
        edge = edge_process.start(
            zone("files", ["files.example"], [files.url]), edge_settings=LIMITS
        )
        total = 256 << 20
        with RawConnection(edge.port, timeout=10) as connection:
            connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            connection.send(b"GET /download/%d HTTP/1.1\r\nHost: files.example\r\n\r\n" % total)
            time.sleep(TIMEOUT + SLACK + 0.5)
            try:
                received = len(connection.read_until_closed(timeout=10))
            except ConnectionResetError:
                received = len(connection.received)
        # The edge gave up on the visitor: the connection ended well short of the body.
        assert 0 < received < total
    finally:
        files.close()


def test_visitor_reading_slowly_is_not_an_origin_timeout(edge_process) -> None:  # type: ignore[no-untyped-def]
    # The origin's read timeout is short, but the origin is not late: the edge stopped
    # reading it because the visitor is slow. Only the visitor's body timeout applies, and
    # the origin is not marked as failing.
    files = StreamingOrigin()
    try:
        edge = edge_process.start(
            zone("files", ["files.example"], [files.url], read_timeout=0.5),
            edge_settings="[edge.upstream]\nmax_failures = 1",
        )
        total = 64 << 20
        for _ in range(2):
            result = download(edge.port, "files.example", total, stall=1.5, timeout=30)
            assert result.size == total
            assert result.crc == pattern_crc(total)
        assert "is down" not in edge.log()
    finally:
        files.close()
