"""Property test on the request boundary: whatever bytes arrive, the edge never crashes and
never forwards a request an origin could read differently from the edge."""

from __future__ import annotations

import asyncio
import contextlib

import httptools
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockade.edge.config import EdgeSettings
from stockade.edge.protocol import HttpProtocol
from stockade.edge.runtime import Edge
from stockade.edge.upstream import UpstreamConnection
from stockade.policy import Snapshot, Zone
from tests.support.mock_transport import MockTransport

ZONE = Zone(name="z", hostnames=("site.example",), origins=("http://10.0.0.9:80",))

tokens = st.sampled_from(
    [b"GET", b"POST", b"PUT", b"HEAD", b"G\x00T", b"get", b"CONNECT", b"OPTIONS", b""]
)
urls = st.sampled_from([b"/", b"/a?b=c", b"*", b"http://x/", b"/\x7f", b"/a b", b"", b"/%00"])
versions = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1 ", b"HTTP/0.9"])
names = st.sampled_from(
    [
        b"Host",
        b"Content-Length",
        b"Transfer-Encoding",
        b"Connection",
        b"Expect",
        b"Upgrade",
        b"X-Forwarded-For",
        b"X-A",
        b"X A",
        b"X-A ",
        b" X-A",
        b"X(A)",
        b"",
    ]
)
values = st.one_of(
    st.sampled_from(
        [
            b"site.example",
            b"chunked",
            b"gzip, chunked",
            b"chunked, gzip",
            b"0",
            b"5",
            b"-1",
            b"5, 6",
            b"close",
            b"upgrade",
            b"100-continue",
            b"websocket",
            b"a\r\n b",
            b"\x00",
        ]
    ),
    st.binary(max_size=12),
)
separators = st.sampled_from([b"\r\n", b"\n", b"\r", b"\r\n "])
bodies = st.one_of(
    st.sampled_from([b"", b"hello", b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n", b"5;\x01\r\nhello\r\n"]),
    st.binary(max_size=24),
)


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    separator = draw(separators)
    line = draw(tokens) + b" " + draw(urls) + b" " + draw(versions)
    headers = [
        draw(names) + draw(st.sampled_from([b": ", b":", b" : "])) + draw(values)
        for _ in range(draw(st.integers(0, 5)))
    ]
    message = separator.join([line, *headers]) + separator + separator + draw(bodies)
    return message * draw(st.integers(1, 2))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=requests(), cuts=st.lists(st.integers(1, 200), max_size=4))
def test_any_bytes_are_handled_and_only_well_formed_requests_are_forwarded(
    data: bytes, cuts: list[int]
) -> None:
    loop = asyncio.new_event_loop()
    try:
        edge = Edge(EdgeSettings(), Snapshot(zones=(ZONE,)), loop)
        visitor = MockTransport()
        protocol = HttpProtocol(edge, b"http")
        visitor.protocol = protocol
        protocol.connection_made(visitor)
        origin = edge.registry.get(ZONE.origins[0], True)
        upstream_transports = []
        for _ in range(2):
            connection = UpstreamConnection(origin)
            transport = MockTransport()
            transport.protocol = connection
            connection.connection_made(transport)
            origin.open_connections += 1
            origin.idle.append(connection)
            upstream_transports.append(transport)
        start = 0
        for cut in sorted(set(cuts)):
            if visitor.closed:
                break
            protocol.data_received(data[start:cut])
            start = cut
        if not visitor.closed:
            protocol.data_received(data[start:])

        # Whatever came back to the visitor is an HTTP/1.1 response.
        answer = visitor.data()
        assert not answer or answer.startswith(b"HTTP/1.1 ")
        for transport in upstream_transports:
            _assert_well_formed(transport.data())
    finally:
        loop.close()


def _assert_well_formed(forwarded: bytes) -> None:
    """What reached the origin parses strictly, with one Host and no hop-by-hop headers."""
    if not forwarded:
        return
    collected: list[list[tuple[bytes, bytes]]] = []

    class Collector:
        def on_message_begin(self) -> None:
            collected.append([])

        def on_header(self, name: bytes, value: bytes) -> None:
            collected[-1].append((name.lower(), value))

    parser = httptools.HttpRequestParser(Collector())
    with contextlib.suppress(httptools.HttpParserUpgrade):
        parser.feed_data(forwarded)
    for headers in collected:
        names = [name for name, _ in headers]
        assert names.count(b"host") == 1
        assert names.count(b"content-length") <= 1
        assert not ({b"content-length", b"transfer-encoding"} <= set(names))
        for hop in (b"keep-alive", b"te", b"trailer", b"proxy-connection"):
            assert hop not in names
