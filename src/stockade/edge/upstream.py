"""One keep-alive connection to an origin: writes requests, parses responses.

The connection belongs to at most one exchange at a time and hands every parsed piece of
the response to it; the exchange decides what reaches the visitor.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from stockade.edge.response_parser import (
    BODY,
    END,
    HEAD,
    UPGRADE,
    InvalidResponse,
    ResponseParser,
)

if TYPE_CHECKING:
    from stockade.edge.exchange import Exchange
    from stockade.edge.origins import Origin

log = logging.getLogger("stockade.edge")


class UpstreamConnection(asyncio.Protocol):
    def __init__(self, origin: Origin) -> None:
        # per-connection state
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = ResponseParser()
        self.exchange: Exchange | None = None
        self.idle_since = 0.0
        # After a 101 the connection carries raw bytes to this visitor transport.
        self.tunnel: asyncio.Transport | None = None
        # per-response state
        self.received_any = False

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
        parser = self.parser
        parser.feed(data)
        try:
            while True:
                event = parser.next_event()
                if event == BODY:
                    exchange.upstream_body(parser.body)
                elif event == HEAD:
                    exchange.upstream_headers(parser)
                elif event == END:
                    exchange.upstream_complete(parser.keep_alive)
                    return  # the response went out whole; the connection may serve another
                elif event == UPGRADE:
                    exchange.upstream_upgraded(parser.body)
                    return
                else:
                    break
        except InvalidResponse as error:
            exchange.upstream_failed(f"the origin sent an invalid response ({error})")
            return
        except Exception:
            # A fault of the edge's own while relaying (a phase, sampling): answered as an
            # origin's fault would be, never as a body cut short presented as whole.
            log.exception("error while relaying the origin's response")
            exchange.edge_failed("the edge failed while relaying the origin's response")
            return
        # More of the response is to come: the origin's time to send it starts now.
        exchange.upstream_activity()
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

    # used by the exchange

    def send(self, exchange: Exchange, data: bytes) -> None:
        self.exchange = exchange
        self.received_any = False
        self.parser.start(exchange.head_request)
        assert self.transport is not None
        self.transport.write(data)

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def response_done(self) -> None:
        """A whole response was read and the request fully sent: the connection is free."""
        self.exchange = None
        self.origin.release(self)

    def close(self) -> None:
        self.exchange = None
        if self.transport is not None:
            self.transport.close()

    def is_usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()
