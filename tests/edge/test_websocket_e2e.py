"""WebSocket upgrade passthrough: a `websockets` client talks to a `websockets` echo server
through a real edge process, both ways, text and binary."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.support.origin import Origin
from tests.support.raw_http import RawConnection
from tests.support.streaming import RssSampler, StreamingOrigin
from tests.support.websocket_origin import WebSocketEchoOrigin
from tests.support.zones import zone


def _connect(port: int, path: str) -> ClientConnection:
    # The URL names the zone (so Host is chat.example:PORT); the socket goes to the edge.
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return connect(f"ws://chat.example:{port}{path}", sock=sock, open_timeout=5, close_timeout=2)


@pytest.fixture
def echo() -> Iterator[WebSocketEchoOrigin]:
    origin = WebSocketEchoOrigin()
    yield origin
    origin.close()


def test_messages_go_both_ways_through_the_edge(edge_process, echo) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(zone("chat", ["chat.example"], [echo.url]))
    with _connect(edge.port, "/socket") as websocket:
        assert websocket.response is not None
        assert websocket.response.status_code == 101
        assert websocket.response.headers["stockade-request-id"]
        for index in range(20):
            text = f"message {index} " + "x" * (index * 500)
            websocket.send(text)
            assert websocket.recv(timeout=5) == text
        binary = bytes(range(256)) * 1024
        websocket.send(binary)
        assert websocket.recv(timeout=5) == binary
    handshake = echo.request_headers[0]
    assert handshake["x-forwarded-for"] == "127.0.0.1"
    assert handshake["stockade-request-id"] == websocket.response.headers["stockade-request-id"]
    assert handshake["upgrade"].lower() == "websocket"


def test_many_messages_in_flight_arrive_in_order(edge_process, echo) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(zone("chat", ["chat.example"], [echo.url]))
    with _connect(edge.port, "/") as websocket:
        for index in range(200):
            websocket.send(f"{index}")
        assert [websocket.recv(timeout=5) for _ in range(200)] == [f"{i}" for i in range(200)]


def test_refused_upgrade_is_an_ordinary_response_and_closes(edge_process) -> None:  # type: ignore[no-untyped-def]
    # An origin that does not speak WebSocket answers 200; the visitor may already have sent
    # bytes for the new protocol, so the edge must not read them as a next request.
    origin = Origin()
    try:
        edge = edge_process.start(zone("plain", ["plain.example"], [origin.url]))
        with RawConnection(edge.port) as connection:
            connection.send(
                b"GET /socket HTTP/1.1\r\nHost: plain.example\r\nConnection: Upgrade\r\n"
                b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                b"GET /smuggled HTTP/1.1\r\nHost: plain.example\r\n\r\n"
            )
            response = connection.read_response()
            assert response.status == 200
            assert response.header("connection") == "close"
            connection.read_until_closed()
        assert [request.url for request in origin.requests] == ["/socket"]
    finally:
        origin.close()


def test_upgraded_connection_holds_back_a_visitor_the_origin_does_not_read(edge_process) -> None:  # type: ignore[no-untyped-def]
    # After the 101, bytes flow untouched; when the origin stops reading, the edge must stop
    # reading the visitor too instead of buffering what it sends.
    files = StreamingOrigin()
    try:
        # A held-back tunnel is drained at shutdown like a request in flight: keep that short.
        edge = edge_process.start(
            zone("chat", ["chat.example"], [files.url]), edge_settings="shutdown_timeout = 1.0"
        )
        sent = 0
        with RssSampler(edge.process.pid) as sampler, RawConnection(edge.port) as connection:
            connection.send(
                b"GET /upgrade HTTP/1.1\r\nHost: chat.example\r\nConnection: Upgrade\r\n"
                b"Upgrade: websocket\r\n\r\n"
            )
            head = connection.read_until(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 101 ")
            connection.sock.settimeout(1.0)
            piece = b"w" * (1 << 20)
            deadline = time.monotonic() + 15
            try:
                while sent < 512 << 20 and time.monotonic() < deadline:
                    connection.sock.sendall(piece)
                    sent += len(piece)
            except TimeoutError:
                pass  # held back: what the test wants
        assert sent < 128 << 20, f"the edge took {sent >> 20} MiB the origin never read"
        assert sampler.growth < 64 << 20
    finally:
        files.close()


def test_upgrade_answered_by_the_edge_itself_closes(edge_process, echo) -> None:  # type: ignore[no-untyped-def]
    # No zone for the name: a 404, and the bytes the visitor sent for the new protocol are
    # neither read as requests nor kept waiting on an open connection.
    edge = edge_process.start(zone("chat", ["chat.example"], [echo.url]))
    with RawConnection(edge.port) as connection:
        connection.send(
            b"GET /socket HTTP/1.1\r\nHost: nowhere.example\r\nConnection: Upgrade\r\n"
            b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            b"GET /smuggled HTTP/1.1\r\nHost: chat.example\r\n\r\n"
        )
        response = connection.read_response()
        assert response.status == 404
        assert response.header("connection") == "close"
        connection.read_until_closed()
    assert echo.request_headers == []
