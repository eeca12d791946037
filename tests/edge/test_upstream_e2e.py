"""The origin side of a real edge process: keep-alive pools, round robin, passive health
(an origin that is down is skipped, then probed back), error pages for refused and slow
origins, and retries only where they are safe."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.origin import Origin, OriginRequest, Reply, respond
from tests.support.ports import free_port
from tests.support.raw_http import RawConnection, exchange
from tests.support.zones import zone

HEALTH = "[edge.upstream]\nmax_failures = 2\nprobe_interval = 0.3"


@pytest.fixture
def origins() -> Iterator[list[Origin]]:
    started: list[Origin] = []
    yield started
    for origin in started:
        origin.close()


def _start(origins: list[Origin], **kwargs: object) -> Origin:
    origin = Origin(**kwargs)  # type: ignore[arg-type]
    origins.append(origin)
    return origin


def _get(port: int, host: bytes, path: bytes = b"/", accept: bytes = b"*/*"):  # type: ignore[no-untyped-def]
    response, raw = exchange(
        port,
        b"GET %s HTTP/1.1\r\nHost: %s\r\nAccept: %s\r\nConnection: close\r\n\r\n"
        % (path, host, accept),
    )
    assert response is not None, raw
    return response


def _wait_for_log(edge, text: str, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while text not in edge.log():
        assert time.monotonic() < deadline, f"{text!r} not in the edge log:\n{edge.log()}"
        time.sleep(0.05)


def test_keep_alive_connections_to_the_origin_are_reused(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    origin = _start(origins)
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    # Several requests on one visitor connection ...
    with RawConnection(edge.port) as connection:
        for index in range(10):
            connection.send(b"GET /one/%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % index)
            assert connection.read_response().status == 200
    # ... and on many visitor connections, one after another, share one origin connection.
    for index in range(10):
        assert _get(edge.port, b"site.example", b"/many/%d" % index).status == 200
    assert len(origin.requests) == 20
    assert origin.connections == 1


def test_concurrent_visitors_share_a_few_origin_connections(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    origin = _start(origins)
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))

    def visitor(index: int) -> list[int]:
        with RawConnection(edge.port) as connection:
            statuses = []
            for request in range(10):
                connection.send(
                    b"GET /%d/%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % (index, request)
                )
                statuses.append(connection.read_response().status)
            return statuses

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(visitor, range(4)))
    assert results == [[200] * 10] * 4
    assert len(origin.requests) == 40
    # At most one origin connection per request in flight at once.
    assert origin.connections <= 4


def test_round_robin_over_two_origins(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    first = _start(origins)
    second = _start(origins)
    edge = edge_process.start(zone("site", ["site.example"], [first.url, second.url]))
    with RawConnection(edge.port) as connection:
        for index in range(10):
            connection.send(b"GET /%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % index)
            assert connection.read_response().status == 200
    assert len(first.requests) == 5
    assert len(second.requests) == 5
    assert [request.url for request in first.requests] == ["/0", "/2", "/4", "/6", "/8"]


def test_down_origin_is_skipped_then_probed_back(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    healthy = _start(origins)
    down_port = free_port()
    edge = edge_process.start(
        zone("site", ["site.example"], [healthy.url, f"http://127.0.0.1:{down_port}"]),
        edge_settings=HEALTH,
    )
    # Refused connects are retried on the other origin: the visitor never sees them.
    for index in range(10):
        assert _get(edge.port, b"site.example", b"/%d" % index).status == 200
    assert len(healthy.requests) == 10
    _wait_for_log(edge, f"127.0.0.1:{down_port} is down after 2 failures")
    assert edge.log().count("is down after") == 1
    # The origin comes up on its port; a probe puts it back in rotation.
    revived = _start(origins, port=down_port)
    _wait_for_log(edge, "answers again; back in rotation")
    for index in range(10):
        assert _get(edge.port, b"site.example", b"/back/%d" % index).status == 200
    assert len(revived.requests) == 5
    assert len(healthy.requests) == 15


def test_refused_connection_is_a_502_page_from_the_upstream(edge_process) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(zone("gone", ["gone.example"], [f"http://127.0.0.1:{free_port()}"]))
    response = _get(edge.port, b"gone.example", accept=b"application/json")
    assert response.status == 502
    assert response.header("content-type") == "application/json"
    page = json.loads(response.body)
    assert page["error_source"] == "upstream"
    assert response.header("stockade-request-id") in response.body.decode()
    html = _get(edge.port, b"gone.example", accept=b"text/html")
    assert html.status == 502
    assert b"origin" in html.body.lower()


def test_every_origin_down_is_a_502_without_waiting(edge_process) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(
        zone("gone", ["gone.example"], [f"http://127.0.0.1:{free_port()}"]), edge_settings=HEALTH
    )
    for _ in range(3):
        assert _get(edge.port, b"gone.example").status == 502
    _wait_for_log(edge, "is down after 2 failures")
    started = time.monotonic()
    assert _get(edge.port, b"gone.example").status == 502
    assert time.monotonic() - started < 0.5


def test_slow_origin_is_a_504_after_the_read_timeout(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    slow = {"on": True}

    def handler(request: OriginRequest) -> bytes | Reply:
        return Reply(respond(200, b"late"), delay=5.0) if slow["on"] else respond(200, b"quick")

    origin = _start(origins, handler=handler)
    edge = edge_process.start(zone("site", ["site.example"], [origin.url], read_timeout=0.5))
    started = time.monotonic()
    response = _get(edge.port, b"site.example", accept=b"application/json")
    elapsed = time.monotonic() - started
    assert response.status == 504
    assert json.loads(response.body)["error_source"] == "upstream"
    assert 0.5 <= elapsed < 2.0
    # The late answer is never taken for the next request's: that connection was dropped.
    slow["on"] = False
    response = _get(edge.port, b"site.example")
    assert response.status == 200
    assert response.body == b"quick"
    assert origin.connections == 2


def test_invalid_origin_response_is_a_502(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    origin = _start(origins, handler=lambda request: b"NOT HTTP AT ALL\r\n\r\n")
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    assert _get(edge.port, b"site.example").status == 502


def _closes_reused_connections(origin_ref: list[Origin]):  # type: ignore[no-untyped-def]
    """Answers the first request on each connection; on a later one closes it unanswered,
    as an origin does when its keep-alive timeout crosses the edge's next request."""

    def handler(request: OriginRequest) -> bytes | Reply:
        if origin_ref[0].requests_on(request.connection_id) > 1:
            return Reply(close=True)
        return respond(200, b"answered " + request.url.encode())

    return handler


def test_idempotent_request_is_retried_when_a_pooled_connection_was_closed(
    edge_process, origins
) -> None:  # type: ignore[no-untyped-def]
    ref: list[Origin] = []
    origin = _start(origins, handler=_closes_reused_connections(ref))
    ref.append(origin)
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as connection:
        for index in range(3):
            connection.send(b"GET /%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % index)
            response = connection.read_response()
            assert response.status == 200
            assert response.body == b"answered /%d" % index
    # Every request after the first met a dead pooled connection and went again on a new one.
    assert [request.url for request in origin.requests] == ["/0", "/1", "/1", "/2", "/2"]
    assert origin.connections == 3


def test_post_with_a_body_is_not_retried(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    ref: list[Origin] = []
    origin = _start(origins, handler=_closes_reused_connections(ref))
    ref.append(origin)
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as connection:
        connection.send(b"GET /warm HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert connection.read_response().status == 200
        connection.send(
            b"POST /order HTTP/1.1\r\nHost: site.example\r\nContent-Length: 5\r\n\r\nhello"
        )
        response = connection.read_response()
        assert response.status == 502
    # The origin may have acted on it: it is never sent twice.
    assert [request.url for request in origin.requests] == ["/warm", "/order"]
    assert origin.requests[1].body == b"hello"


def test_origin_that_closes_after_every_response(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    # Without saying Connection: close; whether the edge notices before its next request
    # or only when it writes, the visitor sees every answer.
    origin = _start(
        origins, handler=lambda request: Reply(respond(200, request.url.encode()), close=True)
    )
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as connection:
        for index in range(20):
            connection.send(b"GET /%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % index)
            response = connection.read_response()
            assert response.status == 200
            assert response.body == b"/%d" % index
    assert origin.connections >= 20


def test_origin_connection_that_said_close_is_not_reused(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    # The origin says Connection: close but leaves the socket open: the edge must not send
    # another request on it.
    origin = _start(origins, handler=lambda request: respond(200, b"x", {"connection": "close"}))
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as connection:
        for index in range(3):
            connection.send(b"GET /%d HTTP/1.1\r\nHost: site.example\r\n\r\n" % index)
            response = connection.read_response()
            assert response.status == 200
            # That was the origin's connection, not the visitor's.
            assert response.header("connection") is None
    assert origin.connections == 3


@pytest.mark.parametrize("status", [204, 304])
def test_responses_without_a_body_keep_the_connections_in_step(
    edge_process, origins, status: int
) -> None:  # type: ignore[no-untyped-def]
    def handler(request: OriginRequest) -> bytes:
        if request.url == "/empty":
            return b'HTTP/1.1 %d X\r\nETag: "v1"\r\n\r\n' % status
        return respond(200, b"full")

    origin = _start(origins, handler=handler)
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as connection:
        connection.send(
            b"GET /empty HTTP/1.1\r\nHost: site.example\r\n\r\n"
            b"GET /full HTTP/1.1\r\nHost: site.example\r\n\r\n"
        )
        empty, full = connection.read_responses(2)
    assert empty.status == status
    assert empty.body == b""
    assert empty.header("transfer-encoding") is None
    assert empty.header("etag") == '"v1"'
    assert full.body == b"full"
    assert origin.connections == 1


def test_interim_responses_from_the_origin_are_not_passed_on(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    origin = _start(
        origins,
        handler=lambda request: (
            b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + respond(200, b"final")
        ),
    )
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as connection:
        connection.send(b"GET / HTTP/1.1\r\nHost: site.example\r\n\r\n")
        response = connection.read_response()
        assert response.status == 200
        assert response.body == b"final"
        assert connection.interim_statuses() == []
        connection.send(b"GET / HTTP/1.1\r\nHost: site.example\r\n\r\n")
        assert connection.read_response().body == b"final"


def test_origin_response_with_two_framings_is_a_502(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    answers = iter(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\nabc",
            respond(200, b"clean"),
        ]
    )
    origin = _start(origins, handler=lambda request: next(answers))
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    assert _get(edge.port, b"site.example").status == 502
    # The next request does not read the leftovers of the bad answer.
    response = _get(edge.port, b"site.example")
    assert response.status == 200
    assert response.body == b"clean"
    assert origin.connections == 2


def test_origin_that_stops_mid_body_ends_the_visitors_connection(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    origin = _start(
        origins,
        handler=lambda request: Reply(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", close=True
        ),
    )
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    with RawConnection(edge.port) as connection:
        connection.send(b"GET / HTTP/1.1\r\nHost: site.example\r\n\r\n")
        raw = connection.read_until_closed()
    # The head and what came of the body, then the end: the visitor can tell it is cut.
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"content-length: 100" in head.lower()
    assert body == b"only this"


def test_retries_of_a_request_the_origin_drops_are_bounded(edge_process, origins) -> None:  # type: ignore[no-untyped-def]
    origin = _start(origins, handler=lambda request: Reply(close=True))
    edge = edge_process.start(zone("site", ["site.example"], [origin.url]))
    assert _get(edge.port, b"site.example").status == 502
    # The first try and two more (upstream.max_attempts = 3), never an endless loop.
    assert len(origin.requests) == 3


def test_origin_that_does_not_accept_is_a_504_after_the_connect_timeout(edge_process) -> None:  # type: ignore[no-untyped-def]
    # A listener that never accepts, its backlog filled: further connects get no answer.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        edge = edge_process.start(
            zone("site", ["site.example"], [f"http://127.0.0.1:{port}"], connect_timeout=0.3)
        )
        started = time.monotonic()
        response = _get(edge.port, b"site.example", accept=b"application/json")
        elapsed = time.monotonic() - started
        assert response.status == 504
        assert json.loads(response.body)["error_source"] == "upstream"
        assert elapsed < 3.0
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
