"""The origin's responses as the edge reads them: heads, framing, what is refused; and,
for responses of every shape cut into reads anywhere, the same reading as llhttp's."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import httptools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.edge.http11 import HOP_BY_HOP, connection_tokens
from stockade.edge.response_parser import (
    BODY,
    END,
    HEAD,
    MAX_RESPONSE_HEAD,
    NEED_DATA,
    UPGRADE,
    InvalidResponse,
    ResponseParser,
    header_pairs,
)


@dataclass
class Reading:
    heads: list[tuple[int, bytes]] = field(default_factory=list)  # (status, fields)
    body: bytes = b""
    ended: bool = False
    keep_alive: bool = False
    upgraded: bytes | None = None


def read(response: bytes, cuts: tuple[int, ...] = (), head_request: bool = False) -> Reading:
    """Every event of `response` fed in reads cut at `cuts`."""
    parser = ResponseParser()
    parser.start(head_request)
    reading = Reading()
    start = 0
    for cut in [*sorted(set(cuts)), len(response)]:
        if cut <= start:
            continue
        parser.feed(response[start:cut])
        start = cut
        while not reading.ended and reading.upgraded is None:
            event = parser.next_event()
            if event == NEED_DATA:
                break
            if event == HEAD:
                reading.heads.append((parser.status, parser.fields))
            elif event == BODY:
                reading.body += parser.body
            elif event == END:
                reading.ended = True
                reading.keep_alive = parser.keep_alive
            elif event == UPGRADE:
                reading.upgraded = parser.body
    return reading


NGINX = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 12:00:00 GMT\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n"
    b'ETag: "x"\r\nKeep-Alive: timeout=5\r\n\r\nhello'
)


def test_a_response_in_one_read_is_its_head_body_and_end() -> None:
    reading = read(NGINX)
    assert reading.heads == [
        (
            200,
            b"Server: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 12:00:00 GMT\r\n"
            b'Content-Type: text/plain\r\nContent-Length: 5\r\nETag: "x"\r\n',
        )
    ]
    assert (reading.body, reading.ended, reading.keep_alive) == (b"hello", True, True)


@given(cuts=st.lists(st.integers(1, len(NGINX) - 1), max_size=8).map(tuple))
def test_reads_cut_anywhere_read_the_same(cuts: tuple[int, ...]) -> None:
    assert read(NGINX, cuts) == read(NGINX)


def test_hop_by_hop_headers_and_those_connection_lists_are_not_kept() -> None:
    reading = read(
        b"HTTP/1.1 200 OK\r\nConnection: close, X-Internal\r\nX-Internal: 1\r\nTE: x\r\n"
        b"Trailer: y\r\nUpgrade: z\r\nProxy-Connection: a\r\nX-App: 2\r\nContent-Length: 0\r\n\r\n"
    )
    assert reading.heads == [(200, b"X-App: 2\r\nContent-Length: 0\r\n")]
    assert reading.ended and not reading.keep_alive


def test_chunked_bodies_are_decoded_and_trailers_dropped() -> None:
    response = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n0A\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    for cuts in [(), tuple(range(1, len(response)))]:
        reading = read(response, cuts)
        assert reading.heads == [(200, b"")]
        assert (reading.body, reading.ended, reading.keep_alive) == (
            b"abc0123456789",
            True,
            True,
        )


def test_without_length_or_chunks_the_body_lasts_until_the_connection_ends() -> None:
    reading = read(b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nsome", (20, 33))
    assert reading.body == b"some"
    assert not reading.ended


def test_bodiless_responses_end_with_their_head() -> None:
    for response, head_request in [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", True),
        (b"HTTP/1.1 204 No Content\r\n\r\n", False),
        (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", False),
    ]:
        reading = read(response, head_request=head_request)
        assert reading.ended and reading.keep_alive and reading.body == b""


def test_interim_responses_come_before_the_final_one() -> None:
    reading = read(
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    assert reading.heads == [(103, b"Link: </a.css>\r\n"), (200, b"Content-Length: 2\r\n")]
    assert reading.body == b"ok"


def test_a_switch_of_protocols_hands_over_the_bytes_that_follow() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nFRAMES")
    assert parser.next_event() == HEAD
    assert (parser.status, parser.upgrade) == (101, b"websocket")
    assert parser.next_event() == UPGRADE
    assert parser.body == b"FRAMES"


def test_keep_alive_follows_the_version_and_connection() -> None:
    for response, keep_alive in [
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA", False),  # bytes nobody asked for
    ]:
        assert read(response).keep_alive is keep_alive, response


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\nSet-Cookie: injected\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\rSet-Cookie: injected\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\x7fb\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX\x80Y: 1\r\n\r\n",
        b"HTTP/2.0 200 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 20x OK\r\n\r\n",
        b"HTTP/1.1 099 Low\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 16 + b"\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
    ],
)
def test_malformed_or_ambiguous_responses_are_refused(response: bytes) -> None:
    with pytest.raises(InvalidResponse):
        read(response)


def test_the_body_framing_and_coding_stay_even_when_connection_lists_them() -> None:
    reading = read(
        b"HTTP/1.1 200 OK\r\nConnection: content-length, content-encoding, x-a\r\n"
        b"Content-Length: 5\r\nContent-Encoding: gzip\r\nX-A: 1\r\n\r\nhello"
    )
    assert reading.heads == [(200, b"Content-Length: 5\r\nContent-Encoding: gzip\r\n")]
    assert (reading.body, reading.ended, reading.keep_alive) == (b"hello", True, True)


def test_an_http_1_0_response_in_chunks_closes_the_connection() -> None:
    reading = read(
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
    )
    assert (reading.body, reading.ended, reading.keep_alive) == (b"hello", True, False)


@pytest.mark.parametrize("cuts", [(), (7,), (40, 41, 42)])
def test_interim_heads_count_towards_the_head_limit(cuts: tuple[int, ...]) -> None:
    interim = b"HTTP/1.1 103 Early Hints\r\nLink: <" + b"a" * 2000 + b">\r\n\r\n"
    final = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    under = interim * (MAX_RESPONSE_HEAD // len(interim) - 1) + final
    assert read(under, cuts).ended
    with pytest.raises(InvalidResponse, match="64 KiB"):
        read(interim * (MAX_RESPONSE_HEAD // len(interim) + 1) + final, cuts)


def test_a_head_larger_than_the_limit_is_refused_before_it_ends() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n")
    assert parser.next_event() == NEED_DATA
    filler = b"X-Filler: " + b"f" * 1000 + b"\r\n"
    with pytest.raises(InvalidResponse, match="64 KiB"):
        for _ in range(MAX_RESPONSE_HEAD // len(filler) + 1):
            parser.feed(filler)
            assert parser.next_event() == NEED_DATA


def test_header_pairs_read_the_kept_lines_back() -> None:
    assert header_pairs(b"Content-Type: text/html\r\nX:  b:c \r\n") == [
        (b"Content-Type", b"text/html"),
        (b"X", b"b:c"),
    ]


# Against llhttp: whatever it refuses is refused, and what is read is read alike.


class Collector:
    def __init__(self) -> None:
        self.heads: list[tuple[int, list[tuple[bytes, bytes]]]] = []
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""
        self.completed = 0
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.heads.append((self.parser.get_status_code(), self.headers))
        self.headers = []

    def on_body(self, body: bytes) -> None:
        if not self.completed:
            self.body += body

    def on_message_complete(self) -> None:
        self.completed += 1


def parse_with_llhttp(response: bytes) -> Collector:
    """What llhttp reads of `response` before it ends or refuses the rest."""
    collector = Collector()
    with contextlib.suppress(httptools.HttpParserUpgrade, httptools.HttpParserError):
        collector.parser.feed_data(response)
    return collector


names = st.sampled_from(
    [b"Server", b"X-Ten-Char", b"Connection", b"Keep-Alive", b"Content-Type", b"X-A", b"ETag"]
)
values = st.sampled_from([b"a", b"keep-alive", b"close", b"  spaced  ", b"b:c", b"\xe9t\xe9"])
# Bytes that may turn up where they should not, and the shapes smuggling is made of.
spoilers = st.sampled_from(
    [b"\n", b"\r", b" ", b"\t", b"\x00", b"\x7f", b":", b"\r\n ", b"\r\nContent-Length: 3"]
)


@st.composite
def responses(draw: st.DrawFn) -> bytes:
    body = draw(st.sampled_from([b"", b"hello", b"x" * 300]))
    status = draw(st.sampled_from([b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Nope", b"HTTP/1.0 200"]))
    headers = [
        draw(names) + draw(st.sampled_from([b": ", b":", b":\t"])) + draw(values)
        for _ in range(draw(st.integers(0, 5)))
    ]
    framing = draw(st.sampled_from(["length", "chunked", "both"]))
    if framing in ("length", "both"):
        headers.insert(draw(st.integers(0, len(headers))), b"Content-Length: %d" % len(body))
    if framing in ("chunked", "both"):
        headers.append(b"Transfer-Encoding: chunked")
        body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    response = b"\r\n".join([status, *headers]) + b"\r\n\r\n" + body
    if draw(st.booleans()):
        # One byte somewhere in the head, or after it, turned into a spoiler.
        at = draw(st.integers(0, len(response) - 1))
        response = response[:at] + draw(spoilers) + response[at + 1 :]
    return response


@settings(max_examples=500, deadline=None)
@given(response=responses(), cuts=st.lists(st.integers(1, 400), max_size=4).map(tuple))
def test_responses_are_read_as_llhttp_reads_them_or_refused(
    response: bytes, cuts: tuple[int, ...]
) -> None:
    expected = parse_with_llhttp(response)
    try:
        reading = read(response, cuts)
    except InvalidResponse:
        return  # refusing more than llhttp is allowed; the reverse is checked below
    # Every head read was read by llhttp too, alike.
    assert len(expected.heads) >= len(reading.heads), response
    for (status, seen), (read_status, fields) in zip(expected.heads, reading.heads, strict=False):
        assert status == read_status
        listed = set(HOP_BY_HOP)
        for name, value in seen:
            if name.lower() == b"connection":
                listed |= connection_tokens(value) - {b"content-length", b"content-encoding"}
        kept = [pair for pair in seen if pair[0].lower() not in listed]
        assert [(name, value.rstrip(b" \t")) for name, value in kept] == [
            (name, value.rstrip(b" \t")) for name, value in header_pairs(fields)
        ]
    if reading.ended:
        # A response read whole was read whole by llhttp, with the same body.
        assert expected.completed >= 1, response
        assert reading.body == expected.body
        if expected.completed > 1 or len(expected.heads) > 1:
            assert not reading.keep_alive  # bytes after the response
