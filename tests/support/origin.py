"""A real HTTP/1.1 origin on loopback for end-to-end tests, in a background thread.

It counts connections and requests, so tests can check keep-alive reuse, and lets a test
choose each answer with a handler function.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools

from tests.support.ports import free_port


@dataclass
class OriginRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    connection_id: int

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_names(self) -> set[str]:
        return {key.lower() for key, _ in self.headers}


@dataclass
class Reply:
    """An answer with timing: sent after `delay` seconds; `close` ends the connection after
    it without saying so (a keep-alive connection the origin drops), and `silent` never
    answers at all."""

    data: bytes = b""
    delay: float = 0.0
    close: bool = False
    silent: bool = False


# A handler gets the request and returns raw response bytes (status line included).
Handler = Callable[[OriginRequest], "bytes | Reply"]


def respond(status: int = 200, body: bytes = b"ok", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def default_handler(request: OriginRequest) -> bytes:
    return respond(200, b"hello from origin " + request.url.encode())


@dataclass
class Origin:
    handler: Handler = default_handler
    port: int = field(default_factory=free_port)
    connections: int = 0
    requests: list[OriginRequest] = field(default_factory=list)
    # Every byte that reached the origin, whether or not it made a whole request.
    received_bytes: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Forget what was received and answer as by default again (for an origin shared by
        several tests; connections stay open, so `connections` keeps counting)."""
        self.handler = default_handler
        self.requests = []
        self.received_bytes = 0

    def requests_on(self, connection_id: int) -> int:
        return sum(1 for request in self.requests if request.connection_id == connection_id)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            self._loop.create_server(lambda: _OriginProtocol(self), "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()
        server.close()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class _OriginProtocol(asyncio.Protocol):
    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        origin.connections += 1
        self.connection_id = origin.connections
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.origin.received_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_message_begin(self) -> None:
        self.url, self.headers, self.body = b"", [], []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        request = OriginRequest(
            self.parser.get_method().decode(),
            self.url.decode("latin-1"),
            self.headers,
            b"".join(self.body),
            self.connection_id,
        )
        self.origin.requests.append(request)
        reply = self.origin.handler(request)
        if isinstance(reply, bytes):
            reply = Reply(reply)
        if reply.silent:
            return
        if reply.delay:
            asyncio.get_running_loop().call_later(reply.delay, self._send, reply)
        else:
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if reply.data:
            transport.write(reply.data)
        if reply.close:
            transport.close()
