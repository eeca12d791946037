"""The visitor side: one asyncio protocol per downstream connection.

Requests are parsed with httptools; each becomes an `Exchange`. Pipelined requests wait
in order behind the one being answered, with reading paused until it is done.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from time import perf_counter
from typing import TYPE_CHECKING, Final

import httptools

from stockade.edge.exchange import INFINITY, Exchange, Refusal
from stockade.edge.flow_control import PIPELINE, ReadGate
from stockade.edge.http11 import HOP_BY_HOP, connection_tokens
from stockade.edge.lifecycle import ProxyError, RequestContext
from stockade.edge.tls import SERVER_NAME_ATTRIBUTE

if TYPE_CHECKING:
    from stockade.edge.runtime import Edge
    from stockade.edge.upstream import UpstreamConnection

log = logging.getLogger("stockade.edge")

# Request headers the edge handles itself instead of forwarding as they came.
_HANDLED: Final = HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"expect",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
    b"stockade-request-id",
}
# An absolute-form request target: its authority (no userinfo) and what follows.
_ABSOLUTE_FORM: Final = re.compile(rb"https?://([^/?#@]+)([/?].*)?", re.IGNORECASE | re.DOTALL)
# Lingering close, as nginx does it: after a response that ends the connection the visitor
# may still be sending (a body the edge refused, requests pipelined after the last one).
# Closing a socket with unread bytes makes the kernel send a reset, which can destroy the
# response before the visitor has read it; so the edge shuts its sending side, reads and
# drops what comes until the visitor closes, is quiet this long, or this much time passed.
LINGER_QUIET: Final = 5.0
LINGER_MAX: Final = 30.0


class ParsingStopped(Exception):
    """Bytes after a request that ends the connection: they are left unread."""


class RequestRejected(Exception):
    """A request broke a limit while being parsed; answer with `status` and close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class HttpProtocol(asyncio.Protocol):
    def __init__(self, edge: Edge, scheme: bytes) -> None:
        self.edge = edge
        self.loop = edge.loop
        # The limits as plain attributes: reading them from the settings' struct is a
        # generic attribute lookup, several per request.
        limits = edge.settings.limits
        self.max_header_bytes = limits.max_header_bytes
        self.max_headers = limits.max_headers
        self.max_url_bytes = limits.max_url_bytes
        self.header_timeout = limits.header_timeout
        self.idle_timeout = limits.idle_timeout
        self.body_timeout = limits.body_timeout
        self.scheme = scheme
        # per-connection state
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.gate: ReadGate = None  # type: ignore[assignment]
        self.parser = httptools.HttpRequestParser(self)
        self.client_ip = ""
        self.client_ip_bytes = b""  # as it goes into X-Forwarded-For
        self.sni: str | None = None
        self.zone = ""  # the zone of the latest request, so a block can close this connection
        self.current: Exchange | None = None  # the exchange whose response is being sent
        self.queue: deque[Exchange] = deque()  # pipelined exchanges waiting their turn
        self.parsing: Exchange | None = None  # the exchange whose body is being read
        # An exchange whose head came in the bytes being parsed: it starts once they all are,
        # so a request found malformed further on never reaches an origin.
        self.starting: Exchange | None = None
        self.deadline = INFINITY
        self.closing = False
        self.last_request = False  # a request said Connection: close (or was HTTP/1.0)
        self.write_paused = False
        self.tunnel: asyncio.Transport | None = None
        self.tunnel_buffer: list[bytes] | None = None
        self.linger_until = 0.0  # set once the edge has shut its side and lingers
        self.eof = False  # the visitor shut its sending side
        # per-request state, while its head is parsed
        self.in_headers = False
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.forward: list[bytes] = []
        self.header_bytes = 0
        # Bytes of reads that fell wholly inside the head (the parser holds an unfinished
        # header line itself), and whether the head was already open when a read began.
        self.head_received = 0
        self.head_open = False
        self.head_deadline_due = False
        self.host: bytes | None = None
        self.host_count = 0
        self.content_length: int | None = None
        self.body_chunked = False
        self.expect_continue = False
        self.connection_value = b""
        self.proxy_connection = False  # llhttp reads it as Connection
        self.forwarded_for = b""

    # protocol interface

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.gate = ReadGate(self.transport)
        peer = transport.get_extra_info("peername")
        self.client_ip = peer[0] if isinstance(peer, tuple) else "unix"
        self.client_ip_bytes = self.client_ip.encode()
        if self.scheme == b"https":
            ssl_object = transport.get_extra_info("ssl_object")
            self.sni = getattr(ssl_object, SERVER_NAME_ATTRIBUTE, None)
        self.deadline = self.loop.time() + self.header_timeout
        self.edge.connection_opened(self)

    def data_received(self, data: bytes) -> None:
        if self.linger_until:
            self.deadline = min(self.loop.time() + LINGER_QUIET, self.linger_until)
            return
        if self.tunnel is not None:
            self.tunnel.write(data)
            return
        if self.tunnel_buffer is not None:
            # Upgrade asked for: hold bytes until the origin agrees or refuses.
            self.tunnel_buffer.append(data)
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self.tunnel_buffer = [data[upgrade.args[0] :]]
        except httptools.HttpParserCallbackError as error:
            context = error.__context__
            if isinstance(context, RequestRejected):
                self.reject(context.status, str(context))
            elif not isinstance(context, ParsingStopped):
                log.exception("edge failure while parsing a request", exc_info=context)
                self.reject(500, "internal error while parsing")
            elif not self.linger_until:
                self.gate.pause(PIPELINE)
        except httptools.HttpParserError as error:
            if not (self.last_request or self.transport.is_closing()):
                self.reject(400, f"malformed request: {error}")
            elif not self.linger_until:
                # Bytes after a last request are never read, whatever they are.
                self.gate.pause(PIPELINE)
        if self.linger_until:
            return  # the connection ended while these bytes were parsed
        if self.in_headers:
            if self.head_deadline_due:
                # Set once the read is parsed, not when the head began in it: later by the
                # parsing time (uvloop's clock moves within a read), which is negligible.
                self.head_deadline_due = False
                self.deadline = self.loop.time() + self.header_timeout
            if self.head_open:
                # No request began in this read, so all of it belongs to the open head.
                self.head_received += len(data)
                if self.head_received > self.max_header_bytes + self.max_url_bytes:
                    self.reject(431, "request head too large")
            self.head_open = True
        exchange = self.starting
        if exchange is not None:
            self.starting = None
            if exchange is self.current and not exchange.done:
                exchange.start()

    def connection_lost(self, exc: Exception | None) -> None:
        self.edge.connection_closed(self)
        if self.tunnel is not None:
            self.tunnel.close()
            self.tunnel = None
        exchanges = [self.current, *self.queue] if self.current else list(self.queue)
        if self.parsing is not None and self.parsing not in exchanges:
            exchanges.append(self.parsing)
        self.current = None
        self.queue.clear()
        for exchange in exchanges:
            if exchange is not None:
                exchange.downstream_lost()

    def eof_received(self) -> bool | None:
        # A half-closed visitor still gets the responses to what it sent, then the end.
        if self.linger_until or (self.current is None and not self.queue):
            return False
        self.eof = True
        self.last_request = True
        return True

    def pause_writing(self) -> None:
        self.write_paused = True
        if not self.linger_until:
            self.deadline = self.loop.time() + self.body_timeout
        if self.tunnel is not None:
            self.tunnel.pause_reading()
        elif self.current is not None:
            self.current.downstream_write_paused()

    def resume_writing(self) -> None:
        self.write_paused = False
        if not self.linger_until:
            self.deadline = INFINITY
        if self.tunnel is not None:
            self.tunnel.resume_reading()
        elif self.current is not None:
            self.current.downstream_write_resumed()

    # parser callbacks

    def on_message_begin(self) -> None:
        if self.last_request or self.transport.is_closing():
            raise ParsingStopped
        self.in_headers = True
        self.url = b""
        self.headers = []
        self.forward = []
        self.header_bytes = 0
        self.head_received = 0
        self.head_open = False
        self.host = None
        self.host_count = 0
        self.content_length = None
        self.body_chunked = False
        self.expect_continue = False
        self.connection_value = b""
        self.proxy_connection = False
        self.forwarded_for = b""
        # The head's deadline, set once this read is parsed if the head is still open
        # then: most heads end within the read they began in, and need none.
        self.head_deadline_due = self.current is None

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > self.max_url_bytes:
            raise RequestRejected(414, "request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value) + 4
        self.headers.append((name, value))
        if self.header_bytes > self.max_header_bytes or len(self.headers) > self.max_headers:
            raise RequestRejected(431, "request headers too large")
        lowered = name.lower()
        if lowered not in _HANDLED:
            self.forward.append(b"%s: %s\r\n" % (name, value))
        elif lowered == b"host":
            self.host = value
            self.host_count += 1
        elif lowered == b"content-length":
            self.content_length = int(value)  # llhttp has checked the digits
        elif lowered == b"transfer-encoding":
            # llhttp accepts any codings before a final "chunked"; the edge decodes only
            # chunked, and would pass the others' bytes on as if they were plain.
            if value.strip().lower() != b"chunked":
                raise RequestRejected(400, "transfer codings other than chunked")
            self.body_chunked = True
        elif lowered == b"connection":
            # Several Connection headers are one list; a later one must not hide an earlier.
            self.connection_value = (
                value if not self.connection_value else self.connection_value + b"," + value
            )
        elif lowered == b"expect":
            if value.lower() == b"100-continue":
                self.expect_continue = True
        elif lowered == b"x-forwarded-for":
            self.forwarded_for = (
                value if not self.forwarded_for else self.forwarded_for + b", " + value
            )
        elif lowered == b"proxy-connection":
            self.proxy_connection = True

    def on_headers_complete(self) -> None:
        self.in_headers = False
        parser = self.parser
        should_keep_alive = parser.should_keep_alive()
        if should_keep_alive and not self.connection_value and not self.proxy_connection:
            # Without a Connection header llhttp keeps only HTTP/1.1 alive: this spares
            # get_http_version, which formats a new string for every request.
            version = "1.1"
        else:
            version = parser.get_http_version()
        if version not in ("1.1", "1.0"):
            raise RequestRejected(400, f"HTTP/{version} is not supported")
        method = parser.get_method()
        if method == b"CONNECT":
            raise RequestRejected(405, "CONNECT is not proxied")
        host = self.host
        if self.host_count > 1 or (host is None and version == "1.1"):
            raise RequestRejected(400, "a request needs exactly one Host header")
        url = self.url
        if not url.startswith(b"/") and url != b"*":
            # The target names the host and Host is ignored (RFC 9112 3.2.2): route by the
            # name the origin would follow, and send the origin the path alone.
            absolute = _ABSOLUTE_FORM.fullmatch(url)
            if absolute is None:
                raise RequestRejected(400, "the request target is neither a path nor a URL")
            host, rest = absolute.groups(b"")
            url = rest if rest.startswith(b"/") else b"/" + rest
        edge = self.edge
        ctx = RequestContext(
            request_id=edge.next_request_id(),
            method=method,
            url=url,
            http_version=version,
            host=host or b"",
            headers=self.headers,
            client_ip=self.client_ip,
            scheme=self.scheme,
            started=perf_counter(),
            sni=self.sni,
        )
        # llhttp sees an upgrade only with a Connection header: without one, skip the call.
        ctx.body_size = self.content_length or 0
        upgrade = bool(self.connection_value) and parser.should_upgrade()
        # After an upgrade request the connection is a tunnel or it ends: the visitor may
        # already have sent bytes of the new protocol, never to be read as requests.
        keep_alive = should_keep_alive and not self.closing and not upgrade
        self.last_request = not keep_alive
        exchange = Exchange(
            self,
            ctx,
            head=self.request_head(ctx, upgrade),
            keep_alive=keep_alive,
            content_length=self.content_length,
            body_chunked=self.body_chunked,
            expect_continue=self.expect_continue,
            upgrade=upgrade,
        )
        self.parsing = exchange
        self.deadline = (
            self.loop.time() + self.body_timeout if not exchange.request_complete else INFINITY
        )
        if self.current is None:
            self.current = self.starting = exchange
        else:
            self.queue.append(exchange)
            self.gate.pause(PIPELINE)

    def on_body(self, body: bytes) -> None:
        if self.linger_until:
            raise ParsingStopped  # the rest of a refused body, now only dropped
        exchange = self.parsing
        if exchange is not None:
            self.deadline = self.loop.time() + self.body_timeout
            exchange.receive_body(body)

    def on_message_complete(self) -> None:
        exchange = self.parsing
        self.parsing = None
        if self.current is exchange and not self.write_paused:
            self.deadline = INFINITY
        if exchange is not None:
            exchange.receive_end()

    # building the request for the origin

    def request_head(self, ctx: RequestContext, upgrade: bool) -> bytes:
        """Header lines for the origin, less Host and body framing, which `Exchange` adds
        once the zone (which may rewrite Host) is known."""
        forward = self.forward
        if self.connection_value:
            listed = connection_tokens(self.connection_value)
            if listed - {b"close", b"keep-alive", b"upgrade"}:
                forward = [line for line in forward if line.split(b":", 1)[0].lower() not in listed]
        forwarded_for = (
            self.forwarded_for + b", " + self.client_ip_bytes
            if self.forwarded_for
            else self.client_ip_bytes
        )
        # One format of a few pieces costs less than a join of many.
        head = (
            b"%sx-forwarded-for: %s\r\nx-forwarded-proto: %s\r\nx-forwarded-host: %s\r\n"
            b"%sstockade-request-id: %s\r\n"
            % (
                b"".join(forward),
                forwarded_for,
                self.scheme,
                ctx.host,
                self.edge.via_line,
                ctx.request_id,
            )
        )
        if upgrade:
            for name, value in ctx.headers:
                if name.lower() == b"upgrade":
                    head += b"connection: upgrade\r\nupgrade: %s\r\n" % value
                    break
        return head

    # used by exchanges

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def exchange_finished(self, exchange: Exchange) -> None:
        if exchange is not self.current:
            return
        self.current = None
        if self.tunnel is not None:
            return
        if not exchange.keep_alive or self.closing or self.tunnel_buffer is not None:
            self.end()
            return
        if self.queue:
            following = self.queue.popleft()
            self.current = following
            if not self.queue:
                self.gate.resume(PIPELINE)
            following.start()
        elif self.last_request:
            # Only a visitor that half-closed gets here: nothing more can come from it.
            self.transport.close()
        else:
            if self.parsing is None and not self.in_headers:
                self.deadline = self.loop.time() + self.idle_timeout
            self.gate.resume(PIPELINE)

    def end(self) -> None:
        """End the connection after its last response: linger, where the transport can
        shut one side (plain TCP), else close."""
        transport = self.transport
        if transport.is_closing() or self.linger_until:
            return
        # Nothing to linger for when shutting down, or when the visitor sends no more.
        if self.closing or self.eof or not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        self.last_request = True
        now = self.loop.time()
        self.linger_until = now + LINGER_MAX
        self.deadline = now + LINGER_QUIET
        self.gate.resume(self.gate.reasons)

    def start_tunnel(self, upstream: UpstreamConnection, extra: bytes) -> None:
        """Join the visitor and the origin byte for byte (after a 101 response)."""
        assert upstream.transport is not None
        self.tunnel = upstream.transport
        upstream.tunnel = self.transport
        upstream.exchange = None
        self.deadline = INFINITY
        if extra:
            self.transport.write(extra)
        buffered, self.tunnel_buffer = self.tunnel_buffer or [], None
        for data in buffered:
            if data:
                self.tunnel.write(data)

    def reject(self, status: int, message: str) -> None:
        """Answer a request that could not be parsed, after the requests before it, then
        close the connection; nothing after it is read."""
        exchange = self.parsing
        if exchange is not None and exchange is self.current:
            exchange.ctx.error = ProxyError("downstream", message)
            if exchange.response_started:
                # Part of its response is out: closing is the only signal left.
                self.transport.close()
            else:
                exchange.fail_request(status)
            return
        if exchange is not None and exchange in self.queue:
            self.queue.remove(exchange)
            ctx = exchange.ctx
        else:
            ctx = self.bare_context()
        ctx.error = ProxyError("downstream", message)
        refusal = Refusal(self, ctx, status)
        self.parsing = None
        self.in_headers = False
        self.last_request = True
        if self.current is None:
            self.current = refusal
            refusal.start()
        else:
            self.queue.append(refusal)
            self.gate.pause(PIPELINE)

    def bare_context(self) -> RequestContext:
        """A context for a request too broken to have one of its own."""
        return RequestContext(
            request_id=self.edge.next_request_id(),
            method=b"-",
            url=self.url,
            http_version="1.1",
            host=self.host or b"",
            headers=self.headers,
            client_ip=self.client_ip,
            scheme=self.scheme,
            started=perf_counter(),
            sni=self.sni,
        )

    def on_timeout(self) -> None:
        """Called by the edge's sweeper once `deadline` has passed."""
        self.deadline = INFINITY
        if self.linger_until:
            now = self.loop.time()
            if not self.transport.get_write_buffer_size():
                self.transport.close()
            elif now < self.linger_until:
                # The visitor is still reading the last response: let it.
                self.deadline = min(now + LINGER_QUIET, self.linger_until)
            else:
                self.transport.abort()  # it stopped reading: drop what it did not take
        elif self.current is not None:
            self.current.downstream_timeout()
        elif self.in_headers:
            self.reject(408, "request headers took too long")
        else:
            self.transport.close()

    def shutdown(self) -> None:
        """Stop taking requests: close now if idle, else after the current response."""
        self.closing = True
        if (
            self.current is None and not self.in_headers and self.tunnel is None
        ) or self.linger_until:
            self.transport.close()
