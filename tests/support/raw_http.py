"""A raw HTTP/1.1 client on real sockets, for tests that need exact bytes on the wire:
malformed requests, pipelining, half-read responses, and reading until the edge closes."""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from dataclasses import dataclass, field

import httptools


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_names(self) -> set[str]:
        return {key.lower() for key, _ in self.headers}


@dataclass
class _ResponseParser:
    """Collects the responses of one connection, in order, as they complete."""

    done: list[Response] = field(default_factory=list)
    interim: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []

    def feed(self, data: bytes) -> None:
        # After a 101 the bytes are another protocol's: the caller reads them raw.
        with contextlib.suppress(httptools.HttpParserUpgrade):
            self.parser.feed_data(data)

    def on_message_begin(self) -> None:
        self._headers, self._body = [], []

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self.interim.append(status)

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            return
        self.done.append(Response(status, self._headers, b"".join(self._body)))


class RawConnection:
    """One client connection; every read is bounded by `timeout` seconds."""

    def __init__(
        self,
        port: int,
        *,
        timeout: float = 5.0,
        tls: ssl.SSLContext | None = None,
        server_name: str | None = None,
    ) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=server_name)
        self.sock = sock
        self.timeout = timeout
        self._parser = _ResponseParser()
        self.received = bytearray()  # everything read so far
        self.closed = False

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read_some(self, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from the edge in time")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
        self.received += data
        return data

    def read_response(self, timeout: float | None = None) -> Response:
        """The next whole response."""
        deadline = time.monotonic() + (timeout or self.timeout)
        parser = self._parser
        while not parser.done:
            data = self._read_some(deadline)
            if not data:
                raise ConnectionError(f"the edge closed the connection: {bytes(self.received)!r}")
            parser.feed(data)
        return parser.done.pop(0)

    def read_head_response(self, timeout: float | None = None) -> Response:
        """The next response, read as the answer to HEAD: a head and never a body, whatever
        Content-Length says (httptools cannot be told, so the head is split by hand)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        start = len(self.received)
        while b"\r\n\r\n" not in self.received[start:]:
            if not self._read_some(deadline):
                raise ConnectionError(f"the edge closed the connection: {bytes(self.received)!r}")
        head, _, rest = bytes(self.received[start:]).partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = [
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in lines)
        ]
        self._parser = _ResponseParser()
        if rest:
            self._parser.feed(rest)
        return Response(int(status_line.split()[1]), headers)

    def read_responses(self, count: int, timeout: float | None = None) -> list[Response]:
        return [self.read_response(timeout=timeout) for _ in range(count)]

    def interim_statuses(self) -> list[int]:
        return self._parser.interim

    def read_until(self, marker: bytes, timeout: float | None = None) -> bytes:
        """Raw bytes up to and including `marker` (which the response parser also sees)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        start = len(self.received)
        while marker not in self.received[start:]:
            data = self._read_some(deadline)
            if not data:
                raise ConnectionError(f"closed before {marker!r}: {bytes(self.received)!r}")
            self._parser.feed(data)
        return bytes(self.received[start:])

    def read_until_closed(self, timeout: float | None = None) -> bytes:
        """Everything until the edge closes the connection; TimeoutError if it does not."""
        deadline = time.monotonic() + (timeout or self.timeout)
        start = len(self.received)
        while not self.closed:
            self._read_some(deadline)
        return bytes(self.received[start:])


def exchange(
    port: int,
    data: bytes,
    *,
    timeout: float = 5.0,
    tls: ssl.SSLContext | None = None,
    server_name: str | None = None,
) -> tuple[Response | None, bytes]:
    """Send `data`, read until the edge closes; return the first response (if one parses)
    and every byte received."""
    with RawConnection(port, timeout=timeout, tls=tls, server_name=server_name) as connection:
        connection.send(data)
        raw = connection.read_until_closed()
    return parse_first(raw), raw


def parse_first(raw: bytes) -> Response | None:
    parser = _ResponseParser()
    with contextlib.suppress(httptools.HttpParserError):
        parser.feed(raw)
    return parser.done[0] if parser.done else None
