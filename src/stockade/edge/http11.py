"""HTTP/1.1 wire pieces built once at import: status lines, header names, framing."""

from __future__ import annotations

import http
import time
from typing import Final

# Reason phrases by status; RFC 9110 renamed a few that Python's table still has in their
# old form.
PHRASES: Final[dict[int, str]] = {status.value: status.phrase for status in http.HTTPStatus} | {
    413: "Content Too Large",
    414: "URI Too Long",
    422: "Unprocessable Content",
}
STATUS_LINES: Final[dict[int, bytes]] = {
    status: b"HTTP/1.1 %d %s\r\n" % (status, phrase.encode()) for status, phrase in PHRASES.items()
}


def status_line(status: int) -> bytes:
    line = STATUS_LINES.get(status)
    if line is None:
        line = b"HTTP/1.1 %d Unknown\r\n" % status
    return line


# RFC 9110 section 7.6.1, plus the de-facto Keep-Alive and Proxy-Connection.
HOP_BY_HOP: Final = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)

# Bit N is set when a response header the edge acts on (a hop-by-hop one, Content-Length)
# has a name N bytes long: a header of any other length is passed on without lower-casing
# its name to look it up, which spares that work for most headers of most responses.
ACTED_ON_LENGTHS: Final = sum({1 << len(name) for name in HOP_BY_HOP | {b"content-length"}})

IDEMPOTENT_METHODS: Final = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE", b"TRACE"})

CONTINUE_100: Final = b"HTTP/1.1 100 Continue\r\n\r\n"
LAST_CHUNK: Final = b"0\r\n\r\n"
CRLF: Final = b"\r\n"


def chunk(data: bytes) -> list[bytes]:
    """One chunk of a chunked body, as pieces for a single write."""
    return [b"%x\r\n" % len(data), data, CRLF]


def connection_tokens(value: bytes) -> set[bytes]:
    """Lower-cased header names listed in a Connection header."""
    return {token.strip().lower() for token in value.split(b",") if token.strip()}


class DateHeader:
    """The Date header line, formatted at most once a second."""

    __slots__ = ("_line", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._line = b""

    def line(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._line = (
                b"date: %s\r\n"
                % time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)).encode()
            )
        return self._line
