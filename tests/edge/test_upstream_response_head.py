"""The origin's response head reaches the visitor as llhttp reads it, less the hop-by-hop
headers, however its bytes are cut into reads; a head longer than the limit is a 502."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import httptools
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockade.edge.config import EdgeSettings
from stockade.edge.http11 import HOP_BY_HOP, connection_tokens
from stockade.edge.protocol import HttpProtocol
from stockade.edge.response_parser import MAX_RESPONSE_HEAD
from stockade.edge.runtime import Edge
from stockade.edge.upstream import UpstreamConnection
from stockade.policy import Snapshot, Zone
from tests.support.mock_transport import MockTransport

ZONE = Zone(name="z", hostnames=("site.example",), origins=("http://10.0.0.9:80",))
REQUEST = b"GET / HTTP/1.1\r\nHost: site.example\r\n\r\n"
# Headers the edge writes itself; the origin's own of these names never reach the visitor.
EDGE_WRITTEN = {b"via", b"stockade-request-id", b"connection", b"transfer-encoding"}


class Proxy:
    """One visitor connection and one origin connection of an edge, on mock transports."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.edge = Edge(EdgeSettings(), Snapshot(zones=(ZONE,)), loop)
        self.visitor = MockTransport()
        protocol = HttpProtocol(self.edge, b"http")
        self.visitor.protocol = protocol
        protocol.connection_made(self.visitor)
        origin = self.edge.registry.get(ZONE.origins[0], True)
        self.upstream = UpstreamConnection(origin)
        self.origin = MockTransport()
        self.origin.protocol = self.upstream
        self.upstream.connection_made(self.origin)
        origin.open_connections += 1
        origin.idle.append(self.upstream)
        protocol.data_received(REQUEST)
        assert self.origin.take().startswith(b"GET / HTTP/1.1\r\n")

    def answer(self, response: bytes, cuts: list[int]) -> bytes:
        start = 0
        for cut in [*sorted(set(cuts)), len(response)]:
            if self.origin.closed or start >= len(response):
                break
            self.upstream.data_received(response[start:cut])
            start = max(start, cut)
        return self.visitor.take()


@contextlib.contextmanager
def proxy() -> Iterator[Proxy]:
    loop = asyncio.new_event_loop()
    try:
        yield Proxy(loop)
    finally:
        loop.close()


class Collector:
    def __init__(self) -> None:
        self.heads: list[list[tuple[bytes, bytes]]] = []
        self.statuses: list[int] = []
        self.parser: httptools.HttpResponseParser | None = None

    def on_message_begin(self) -> None:
        self.heads.append([])

    def on_header(self, name: bytes, value: bytes) -> None:
        self.heads[-1].append((name, value))

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        self.statuses.append(self.parser.get_status_code())


def parse(response: bytes) -> Collector | None:
    """What llhttp reads in `response`, or None when it refuses it."""
    collector = Collector()
    collector.parser = httptools.HttpResponseParser(collector)
    try:
        collector.parser.feed_data(response)
    except httptools.HttpParserUpgrade:
        pass
    except httptools.HttpParserError:
        return None
    return collector


def passed_on(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The origin's headers a visitor should see: no hop-by-hop ones, nor those that the
    Connection header lists."""
    listed: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            listed |= connection_tokens(value)
    return [
        (name, value)
        for name, value in headers
        if name.lower() not in HOP_BY_HOP | listed | EDGE_WRITTEN
    ]


names = st.sampled_from(
    [
        b"Server",
        b"Content-Type",
        b"ETag",
        b"Connection",
        b"Keep-Alive",
        b"Upgrade",
        b"Trailer",
        b"X-Listed",
        b"x-listed",
        b"Set-Cookie",
        b"X-Ten-Char",  # ten bytes long, as "connection" is
    ]
)
values = st.sampled_from(
    [b"a", b"keep-alive", b"close", b"x-listed", b"close, X-Listed", b"  spaced  ", b"b:c"]
)
bodies = st.sampled_from([b"", b"hello", b"x" * 300])


@st.composite
def responses(draw: st.DrawFn) -> bytes:
    body = draw(bodies)
    lines = [draw(st.sampled_from([b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Nope", b"HTTP/1.0 200"]))]
    headers = [
        draw(names) + draw(st.sampled_from([b": ", b":", b":\t"])) + draw(values)
        for _ in range(draw(st.integers(0, 6)))
    ]
    framing = draw(st.sampled_from(["length", "chunked", "none"]))
    if framing == "length":
        headers.insert(draw(st.integers(0, len(headers))), b"Content-Length: %d" % len(body))
    elif framing == "chunked":
        headers.append(b"Transfer-Encoding: chunked")
        body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    head = b"\r\n".join(lines + headers) + b"\r\n\r\n"
    if draw(st.booleans()):
        head = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + head
    return head + body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(response=responses(), cuts=st.lists(st.integers(1, 400), max_size=5))
def test_the_visitor_gets_the_origins_headers_less_the_hop_by_hop_ones(
    response: bytes, cuts: list[int]
) -> None:
    origin_side = parse(response)
    with proxy() as edge:
        answer = edge.answer(response, cuts)
        if b"HTTP/1.1 100 Continue" in answer:
            answer = answer.partition(b"\r\n\r\n")[2]
    visitor_side = parse(answer + (b"" if b"\r\n\r\n" in answer else b"\r\n\r\n"))
    assert visitor_side is not None, answer
    if origin_side is None:
        assert visitor_side.statuses == [502]
        return
    final = origin_side.heads[-1]
    assert visitor_side.statuses == [origin_side.statuses[-1]]
    seen = [(name, value) for name, value in visitor_side.heads[0]]
    assert [pair for pair in seen if pair[0].lower() not in EDGE_WRITTEN] == passed_on(final)


def test_a_head_that_comes_byte_by_byte_is_passed_on_whole() -> None:
    response = (
        b"HTTP/1.1 200 OK\r\nServer: origin\r\nConnection: keep-alive\r\n"
        b"Content-Length: 2\r\nX-Last: 1\r\n\r\nok"
    )
    with proxy() as edge:
        answer = edge.answer(response, list(range(1, len(response))))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(
        b"HTTP/1.1 200 OK\r\nServer: origin\r\nContent-Length: 2\r\nX-Last: 1\r\n"
    )
    assert body == b"ok"


def test_an_origin_head_larger_than_the_limit_is_a_502() -> None:
    filler = b"X-Filler: " + b"f" * 1000 + b"\r\n"
    head = b"HTTP/1.1 200 OK\r\n" + filler * (MAX_RESPONSE_HEAD // len(filler) + 1)
    with proxy() as edge:
        # Sent in pieces, as it would arrive, and never finished.
        answer = edge.answer(head, list(range(4096, len(head), 4096)))
        assert answer.startswith(b"HTTP/1.1 502 ")
        assert edge.origin.closed
        assert edge.edge.metrics.errors == {"upstream": 1}


def test_a_large_head_that_is_complete_passes() -> None:
    filler = b"X-Filler: " + b"f" * 1000 + b"\r\n"
    body = b"z" * MAX_RESPONSE_HEAD
    head = b"HTTP/1.1 200 OK\r\n" + filler * 40 + b"Content-Length: %d\r\n\r\n" % len(body)
    with proxy() as edge:
        # One read holds more than the limit, but the head within it is complete.
        answer = edge.answer(head + body, [])
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.count(b"X-Filler: ") == 40
    assert answer.endswith(b"\r\n\r\n" + body)
