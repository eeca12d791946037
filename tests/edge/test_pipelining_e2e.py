"""Message framing through a real edge process: pipelined requests answered in order,
HTTP/1.0 visitors, HEAD (a head and never a body), and Expect: 100-continue."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.origin import Origin, OriginRequest, Reply, respond
from tests.support.raw_http import RawConnection
from tests.support.zones import zone


def _echo_path(request: OriginRequest) -> bytes | Reply:
    body = f"{request.method} {request.url} {len(request.body)}".encode()
    if request.method == "HEAD":
        # A HEAD answer announces the body a GET would get, and sends none of it.
        return b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-Head: yes\r\n\r\n"
    if request.url.startswith("/slow"):
        return Reply(respond(200, body), delay=0.3)
    if request.url.startswith("/chunked"):
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    return respond(200, body)


@pytest.fixture
def origin() -> Iterator[Origin]:
    origin = Origin(handler=_echo_path)
    yield origin
    origin.close()


@pytest.fixture
def edge(edge_process, origin: Origin):  # type: ignore[no-untyped-def]
    return edge_process.start(zone("site", ["site.example"], [origin.url]))


def test_pipelined_requests_in_one_write_are_answered_in_order(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    requests = b"".join(
        b"GET /%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % index for index in range(10)
    )
    with RawConnection(edge.port) as connection:
        connection.send(requests)
        responses = connection.read_responses(10)
    assert [response.body for response in responses] == [
        b"GET /%d 0" % index for index in range(10)
    ]
    assert len({response.header("stockade-request-id") for response in responses}) == 10
    assert [request.url for request in origin.requests] == [f"/{index}" for index in range(10)]


def test_pipelined_mix_of_slow_bodies_and_local_answers_stays_in_order(
    edge, origin: Origin
) -> None:  # type: ignore[no-untyped-def]
    requests = (
        b"GET /slow HTTP/1.1\r\nHost: site.example\r\n\r\n"
        b"POST /form HTTP/1.1\r\nHost: site.example\r\nContent-Length: 7\r\n\r\npayload"
        b"GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n"
        b"POST /chunks HTTP/1.1\r\nHost: site.example\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        b"GET /last HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n"
    )
    with RawConnection(edge.port) as connection:
        connection.send(requests)
        responses = connection.read_responses(5)
        connection.read_until_closed()
    assert [(response.status, response.body[:20]) for response in responses] == [
        (200, b"GET /slow 0"),
        (200, b"POST /form 7"),
        (404, responses[2].body[:20]),
        (200, b"POST /chunks 5"),
        (200, b"GET /last 0"),
    ]
    assert origin.requests[2].body == b"abcde"


def test_pipelined_requests_split_across_writes(edge) -> None:  # type: ignore[no-untyped-def]
    requests = b"".join(
        b"GET /%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % index for index in range(5)
    )
    with RawConnection(edge.port) as connection:
        # Cut in awkward places: inside a request line, a header, the blank line.
        for start in range(0, len(requests), 17):
            connection.send(requests[start : start + 17])
        responses = connection.read_responses(5)
    assert [response.body for response in responses] == [b"GET /%d 0" % i for i in range(5)]


def test_http_1_0_visitor_gets_its_answer_and_a_closed_connection(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(b"GET /old HTTP/1.0\r\nHost: site.example\r\n\r\n")
        response = connection.read_response()
        assert response.status == 200
        assert response.body == b"GET /old 0"
        assert response.header("connection") == "close"
        connection.read_until_closed()
    # The edge speaks HTTP/1.1 to the origin whatever the visitor spoke.
    assert origin.requests[0].header("host") == "site.example"


def test_http_1_0_keep_alive_and_a_body_without_length(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(b"GET /a HTTP/1.0\r\nHost: site.example\r\nConnection: keep-alive\r\n\r\n")
        response = connection.read_response()
        assert response.status == 200
        assert response.header("connection") == "keep-alive"
        # A chunked answer cannot go to an HTTP/1.0 visitor: it gets the bytes and a close.
        connection.send(
            b"GET /chunked HTTP/1.0\r\nHost: site.example\r\nConnection: keep-alive\r\n\r\n"
        )
        rest = connection.read_until_closed()
    head, _, body = rest.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding" not in head.lower()
    assert b"connection: close" in head.lower()
    assert body == b"hello world"
    assert origin.connections == 1


def test_head_gets_the_head_and_never_a_body(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(b"HEAD /file HTTP/1.1\r\nHost: site.example\r\n\r\n")
        response = connection.read_head_response()
        assert response.status == 200
        assert response.header("content-length") == "1000"
        assert response.header("x-head") == "yes"
        # The connection is in step: the next response starts right where the head ended.
        connection.send(b"GET /after HTTP/1.1\r\nHost: site.example\r\n\r\n")
        after = connection.read_response()
        assert after.body == b"GET /after 0"
        # HEAD and GET pipelined in one write.
        connection.send(
            b"HEAD /file HTTP/1.1\r\nHost: site.example\r\n\r\n"
            b"GET /next HTTP/1.1\r\nHost: site.example\r\n\r\n"
        )
        assert connection.read_head_response().header("content-length") == "1000"
        assert connection.read_response().body == b"GET /next 0"
    assert [request.method for request in origin.requests] == ["HEAD", "GET", "HEAD", "GET"]
    assert origin.connections == 1


def test_head_of_an_edge_page_has_no_body_either(edge) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(b"HEAD / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n")
        response = connection.read_head_response()
        assert response.status == 404
        assert int(response.header("content-length") or 0) > 0
        connection.send(b"GET /x HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert connection.read_response().body == b"GET /x 0"


def test_expect_100_continue(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(
            b"POST /upload HTTP/1.1\r\nHost: site.example\r\nContent-Length: 11\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        # The body is sent only once the edge says so.
        interim = connection.read_until(b"\r\n\r\n", timeout=3)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        connection.send(b"hello world")
        response = connection.read_response()
        assert response.status == 200
        assert response.body == b"POST /upload 11"
        assert connection.interim_statuses() == [100]
        # And the connection goes on.
        connection.send(b"GET /next HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert connection.read_response().body == b"GET /next 0"
    assert origin.requests[0].body == b"hello world"
    # The expectation was met by the edge; the origin is not asked to meet it again.
    assert origin.requests[0].header("expect") is None


def test_expect_100_continue_with_the_body_sent_anyway(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # Clients may stop waiting for 100 and send the body: both orders work.
    with RawConnection(edge.port) as connection:
        connection.send(
            b"POST /eager HTTP/1.1\r\nHost: site.example\r\nContent-Length: 5\r\n"
            b"Expect: 100-continue\r\n\r\nhello"
        )
        response = connection.read_response()
        assert response.status == 200
        assert response.body == b"POST /eager 5"
        connection.send(b"GET /next HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert connection.read_response().body == b"GET /next 0"


def test_expect_100_continue_answered_by_the_edge_itself_closes(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # The visitor waits for 100 Continue and gets a final answer instead: it may send the
    # body or not, so the next bytes could be a body or a request. Only closing is safe.
    with RawConnection(edge.port) as connection:
        connection.send(
            b"POST /upload HTTP/1.1\r\nHost: nowhere.example\r\nContent-Length: 41\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        response = connection.read_response()
        assert response.status == 404
        assert response.header("connection") == "close"
        assert connection.interim_statuses() == []
        # A visitor that skips the body: its next request must not be taken as that body.
        connection.send(b"GET /next HTTP/1.1\r\nHost: site.example\r\n\r\n")
        connection.read_until_closed()
    assert origin.requests == []


def test_half_closed_visitor_gets_its_answers_then_the_end(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # A visitor may send its requests and shut its side: it still gets every answer, and
    # the edge then ends the connection instead of holding it until the idle timeout.
    with RawConnection(edge.port) as connection:
        connection.send(
            b"GET /slow HTTP/1.1\r\nHost: site.example\r\n\r\n"
            b"GET /b HTTP/1.1\r\nHost: site.example\r\n\r\n"
        )
        connection.sock.shutdown(socket.SHUT_WR)
        first, second = connection.read_responses(2)
        assert (first.body, second.body) == (b"GET /slow 0", b"GET /b 0")
        started = time.monotonic()
        assert connection.read_until_closed(timeout=5) == b""
        assert time.monotonic() - started < 1.0


def test_chunk_extensions_and_trailers_do_not_reach_the_origin(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # The edge decodes the visitor's chunks and sends its own: extensions and trailer fields
    # (which could carry headers past the edge's checks) stay behind.
    with RawConnection(edge.port) as connection:
        connection.send(
            b"POST /chunks HTTP/1.1\r\nHost: site.example\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;name=value\r\nhello\r\n6;flag\r\n world\r\n0\r\nX-Trailer: sneaky\r\n"
            b"Host: other.example\r\n\r\n"
            b"GET /after HTTP/1.1\r\nHost: site.example\r\n\r\n"
        )
        first, second = connection.read_responses(2)
    assert first.body == b"POST /chunks 11"
    assert second.body == b"GET /after 0"
    assert origin.requests[0].body == b"hello world"
    assert "x-trailer" not in origin.requests[0].header_names()
    assert origin.requests[0].header("host") == "site.example"
    assert origin.requests[1].header("host") == "site.example"
