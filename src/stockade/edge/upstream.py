"""One keep-alive connection to an origin: writes requests, parses responses.

The connection belongs to at most one exchange at a time and hands every parsed piece of
the response to it; the exchange decides what reaches the visitor.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

import httptools

from stockade.edge.exchange import InvalidResponse

# As nginx's proxy_buffer_size does, though larger: a longer head is refused with 502.
MAX_RESPONSE_HEAD: Final = 64 * 1024

if TYPE_CHECKING:
    from stockade.edge.exchange import Exchange
    from stockade.edge.origins import Origin


class UpstreamConnection(asyncio.Protocol):
    def __init__(self, origin: Origin) -> None:
        # per-connection state
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: Exchange | None = None
        self.idle_since = 0.0
        # After a 101 the connection carries raw bytes to this visitor transport.
        self.tunnel: asyncio.Transport | None = None
        # per-response state
        self.headers: list[tuple[bytes, bytes]] = []
        self.received_any = False
        # Bytes read while the head is not complete; every one of them belongs to it.
        self.head_bytes = 0
        self.in_head = True

    # protocol interface

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.tunnel is not None:
            self.tunnel.write(data)
            return
        exchange = self.exchange
        if exchange is None:
            # An idle origin connection must stay silent; anything else makes it unusable.
            self.close()
            return
        self.received_any = True
        exchange.upstream_activity()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            exchange.upstream_upgraded(data[upgrade.args[0] :])
            return
        except httptools.HttpParserError as error:
            reason = error.__context__ if isinstance(error.__context__, InvalidResponse) else error
            exchange.upstream_failed(f"the origin sent an invalid response ({reason})")
            return
        if self.in_head:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_RESPONSE_HEAD:
                exchange.upstream_failed("the origin sent a response head larger than 64 KiB")
                return
        exchange.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.origin.forget(self)
        if self.tunnel is not None:
            self.tunnel.close()
            self.tunnel = None
        exchange = self.exchange
        if exchange is not None:
            self.exchange = None
            exchange.upstream_lost(self)

    def pause_writing(self) -> None:
        if self.tunnel is not None:
            # An upgraded connection: hold the visitor back while the origin catches up.
            self.tunnel.pause_reading()
        elif self.exchange is not None:
            self.exchange.upstream_write_paused()

    def resume_writing(self) -> None:
        if self.tunnel is not None:
            self.tunnel.resume_reading()
        elif self.exchange is not None:
            self.exchange.upstream_write_resumed()

    # parser callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        headers, self.headers = self.headers, []
        status = self.parser.get_status_code()
        # After an interim (1xx) response, the final response's head is still to come.
        self.in_head = 100 <= status < 200 and status != 101
        assert self.exchange is not None
        self.exchange.upstream_headers(status, headers)

    def on_body(self, body: bytes) -> None:
        assert self.exchange is not None
        self.exchange.upstream_body(body)

    def on_message_complete(self) -> None:
        assert self.exchange is not None
        self.exchange.upstream_complete(self.parser.should_keep_alive())

    # used by the exchange

    def send(self, exchange: Exchange, data: bytes) -> None:
        self.exchange = exchange
        self.received_any = False
        self.head_bytes = 0
        self.in_head = True
        assert self.transport is not None
        self.transport.write(data)

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def response_done(self) -> None:
        """A whole response was read and the request fully sent: the connection is free."""
        self.exchange = None
        self.origin.release(self)

    def skip_body(self) -> None:
        """The response to HEAD has no body whatever its headers say: start a new parser."""
        self.parser = httptools.HttpResponseParser(self)

    def close(self) -> None:
        self.exchange = None
        if self.transport is not None:
            self.transport.close()

    def is_usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()
