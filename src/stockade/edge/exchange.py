"""One request/response exchange between a visitor and an origin.

The downstream protocol parses the request and feeds it here; the upstream connection
parses the response and feeds it here. The exchange forwards each piece as it comes,
frames the body for the side it goes to, and decides when the exchange is over.
"""

from __future__ import annotations

from time import perf_counter
from typing import TYPE_CHECKING, Final

from stockade.edge.flow_control import UPSTREAM_FULL
from stockade.edge.http11 import (
    CONTINUE_100,
    CRLF,
    IDEMPOTENT_METHODS,
    LAST_CHUNK,
    STATUS_LINES,
    chunk,
    status_line,
)
from stockade.edge.lifecycle import ProxyError, RequestContext
from stockade.edge.pages import WAIT, Answer
from stockade.edge.response_parser import header_pairs

if TYPE_CHECKING:
    from stockade.edge.protocol import HttpProtocol
    from stockade.edge.response_parser import ResponseParser
    from stockade.edge.sampler import Sample
    from stockade.edge.upstream import UpstreamConnection

INFINITY: Final = float("inf")
# A local answer may leave this much request body unread and still keep the connection.
_DRAIN_LIMIT: Final = 64 * 1024
# Request body read ahead while no origin connection is ready; reading pauses beyond it.
_READ_AHEAD_LIMIT: Final = 64 * 1024
_NO_BODY_STATUSES: Final = frozenset({204, 304})


class Exchange:
    __slots__ = (
        "attempts",
        "body_chunked",
        "chunked_response",
        "connect_timeout",
        "content_length",
        "ctx",
        "discarding",
        "done",
        "expect_continue",
        "finished_response",
        "head",
        "head_request",
        "keep_alive",
        "out",
        "pending_body",
        "protocol",
        "request_complete",
        "response_close_delimited",
        "response_started",
        "sample",
        "upgrade",
        "upstream",
        "upstream_deadline",
    )

    def __init__(
        self,
        protocol: HttpProtocol,
        ctx: RequestContext,
        *,
        head: bytes,
        keep_alive: bool,
        content_length: int | None,
        body_chunked: bool,
        expect_continue: bool,
        upgrade: bool,
    ) -> None:
        self.protocol = protocol
        self.ctx = ctx
        # request side
        self.head = head  # header lines for the origin, less Host and framing
        self.keep_alive = keep_alive
        self.content_length = content_length
        self.body_chunked = body_chunked
        self.expect_continue = expect_continue
        self.upgrade = upgrade
        self.head_request = ctx.method == b"HEAD"
        self.request_complete = not body_chunked and not content_length
        self.pending_body: list[bytes] = []
        self.discarding = False
        # upstream side
        self.upstream: UpstreamConnection | None = None
        self.upstream_deadline = INFINITY
        self.connect_timeout = 5.0
        self.attempts = 0
        # response side
        self.out: list[bytes] = []
        self.response_started = False
        self.finished_response = False
        self.chunked_response = False
        self.response_close_delimited = False
        self.sample: Sample | None = None  # the body kept for watch, if this one is sampled
        self.done = False

    # called by the downstream protocol

    def start(self) -> None:
        """The exchange is at the head of the connection's queue: answer it or proxy it."""
        ctx = self.ctx
        lifecycle = self.protocol.edge.lifecycle
        answer = lifecycle.route(ctx)
        if ctx.route is not None:
            self.protocol.zone = ctx.route.name
        if answer is None:
            answer = lifecycle.request_filter(ctx)
            if answer is WAIT:
                ctx.resume = self.resume
                return
        self.proceed(answer)

    def resume(self, answer: Answer | None) -> None:
        """The rate limits answered a request that waited for them (edge/ratelimit.py)."""
        ctx = self.ctx
        ctx.resume = None
        if not self.done:
            self.proceed(self.protocol.edge.lifecycle.rate_limited(ctx, answer))

    def proceed(self, answer: Answer | None) -> None:
        """`request_filter` is over: send its answer, or go on toward the origin."""
        if answer is not None:
            self.respond_local(answer)
            return
        ctx = self.ctx
        route = ctx.route
        assert route is not None
        # Body read with the head, before the zone was known, counts too.
        if max(self.content_length or 0, ctx.request_bytes) > route.max_body_bytes:
            self.respond_error(413)
            return
        self.connect_timeout = route.connect_timeout
        self.connect()

    def receive_body(self, data: bytes) -> None:
        ctx = self.ctx
        ctx.request_bytes += len(data)
        if self.discarding:
            return
        route = ctx.route
        if route is not None and ctx.request_bytes > route.max_body_bytes:
            self.fail_request(413)
            return
        if self.upstream is None:
            self.pending_body.append(data)
            if ctx.request_bytes > _READ_AHEAD_LIMIT:
                # Waiting for a connection: leave the body in the visitor's socket, not here.
                self.protocol.gate.pause(UPSTREAM_FULL)
        elif self.body_chunked:
            self.upstream.write(b"".join(chunk(data)))
        else:
            self.upstream.write(data)

    def receive_end(self) -> None:
        self.request_complete = True
        if self.upstream is not None and not self.discarding:
            if self.body_chunked:
                self.upstream.write(LAST_CHUNK)
            if not self.response_started:
                self.upstream_activity()
        if self.finished_response:
            self.finish()

    def downstream_lost(self) -> None:
        """The visitor went away: stop everything this exchange has going."""
        if self.done:
            return
        if self.ctx.error is None:
            self.ctx.error = ProxyError("downstream", "the visitor closed the connection")
        if not self.finished_response:
            self.ctx.status = 499
        self.keep_alive = False
        self._drop_upstream()
        self.finish()

    def downstream_write_paused(self) -> None:
        upstream = self.upstream
        if upstream is not None and upstream.transport is not None:
            upstream.transport.pause_reading()
            # The origin is not late while the edge leaves it unread: the visitor's body
            # timeout runs instead, and a slow visitor cannot mark a good origin failing.
            self.upstream_deadline = INFINITY

    def downstream_write_resumed(self) -> None:
        upstream = self.upstream
        if upstream is not None and upstream.transport is not None:
            upstream.transport.resume_reading()
            self.upstream_activity()

    def downstream_timeout(self) -> None:
        """The visitor stopped sending the body or stopped reading the response."""
        self.ctx.error = ProxyError("downstream", "the visitor was too slow")
        if self.response_started:
            self.keep_alive = False
            self._drop_upstream()
            self.finish()
        else:
            self.fail_request(408)

    # talking to the origin

    def connect(self) -> None:
        ctx = self.ctx
        origin = self.protocol.edge.lifecycle.upstream_peer(ctx)
        if origin is None:
            self.upstream_error(502, "every origin of the zone is down", retryable=False)
            return
        ctx.origin = origin
        self.attempts += 1
        ctx.upstream_started = perf_counter()
        connection = origin.acquire(self, self.connect_timeout)
        if connection is not None:
            self.upstream_ready(connection)  # which sets the deadline to answer
        else:
            # A connection comes later (a connect, or one freed): within this time.
            self.upstream_deadline = self.protocol.loop.time() + self.connect_timeout

    def wants_upstream(self) -> bool:
        return not self.done and self.upstream is None

    def upstream_ready(self, connection: UpstreamConnection) -> None:
        self.upstream = connection
        ctx = self.ctx
        assert ctx.route is not None
        parts = [
            b"%s %s HTTP/1.1\r\nhost: %s\r\n"
            % (ctx.method, ctx.url, ctx.route.origin_host or ctx.host),
            self.head,
        ]
        if self.content_length is not None:
            parts.append(b"content-length: %d\r\n\r\n" % self.content_length)
        elif self.body_chunked:
            parts.append(b"transfer-encoding: chunked\r\n\r\n")
        else:
            parts.append(b"\r\n")
        if self.pending_body:
            if self.body_chunked:
                for data in self.pending_body:
                    parts.extend(chunk(data))
            else:
                parts.extend(self.pending_body)
            self.pending_body = []
        if self.request_complete and self.body_chunked:
            parts.append(LAST_CHUNK)
        # Before sending: the write may pause reading again if the origin is slow to take it.
        self.protocol.gate.resume(UPSTREAM_FULL)
        connection.send(self, b"".join(parts))
        # The origin's time to answer counts once it has the whole request: a long upload
        # is bounded by the visitor's body timeout instead.
        self.upstream_deadline = (
            self.protocol.loop.time() + ctx.route.read_timeout
            if self.request_complete
            else INFINITY
        )
        if self.expect_continue and not self.request_complete:
            # The origin will take the body: tell the visitor to send it.
            self.protocol.write(CONTINUE_100)

    def upstream_connect_failed(self, message: str, timed_out: bool) -> None:
        if self.done:
            return
        self.upstream_deadline = INFINITY
        if self.attempts < self.protocol.edge.settings.upstream.max_attempts:
            # Nothing reached the origin, so any method may be tried again elsewhere.
            self.connect()
            return
        self.upstream_error(504 if timed_out else 502, message, retryable=True)

    def upstream_activity(self) -> None:
        assert self.ctx.route is not None
        self.upstream_deadline = self.protocol.loop.time() + self.ctx.route.read_timeout

    def upstream_timeout(self) -> None:
        self.upstream_deadline = INFINITY
        if self.upstream is None:
            # Still waiting for a free connection or a connect.
            if self.ctx.origin is not None:
                self.ctx.origin.cancel_waiting(self)
            self.upstream_error(504, "no connection to the origin in time", retryable=True)
            return
        if self.ctx.origin is not None:
            self.ctx.origin.record_failure()
        self._drop_upstream()
        self.upstream_error(504, "the origin did not answer in time", retryable=False)

    def upstream_headers(self, head: ResponseParser) -> None:
        """The origin's response head arrived, its end-to-end header lines in `fields`."""
        status = head.status
        if status < 200 and status != 101:
            return  # interim responses are not passed on; the final one follows
        ctx = self.ctx
        # The response is usable (the parser refuses it if not): the origin answered.
        ctx.status = status
        ctx.upstream_latency = perf_counter() - ctx.upstream_started
        if ctx.origin is not None:
            ctx.origin.record_success()
        out = [STATUS_LINES.get(status) or status_line(status), head.fields]
        no_body = self.head_request or status in _NO_BODY_STATUSES
        if status == 101:
            out.append(b"connection: upgrade\r\nupgrade: %s\r\n" % head.upgrade)
        elif not no_body and (head.chunked or head.content_length < 0):
            self.response_close_delimited = not head.chunked
            if ctx.http_version == "1.1":
                out.append(b"transfer-encoding: chunked\r\n")
                self.chunked_response = True
            else:
                self.keep_alive = False
        if self.upgrade and status != 101:
            # The visitor may already have sent bytes meant for the upgraded protocol.
            self.keep_alive = False
        protocol = self.protocol
        edge = protocol.edge
        connection = b""
        if status != 101:
            if not self.keep_alive or protocol.closing:
                connection = b"connection: close\r\n"
            elif ctx.http_version == "1.0":
                connection = b"connection: keep-alive\r\n"
        out.append(b"%sstockade-request-id: %s\r\n%s" % (edge.via_line, ctx.request_id, connection))
        lifecycle = edge.lifecycle
        lifecycle.response_filter(ctx, status, out)
        route = ctx.route
        if status == 200 and not no_body and route is not None and route.sample_rate:
            # One count per response; the hook runs for the responses picked.
            self.sample = (
                lifecycle.sample(ctx, header_pairs(head.fields)) if route.sample_picked() else None
            )
        out.append(CRLF)
        self.out = out
        self.response_started = True

    def upstream_body(self, data: bytes) -> None:
        if self.head_request or self.done:
            return
        self.ctx.response_bytes += len(data)
        if self.sample is not None:
            self.sample.add(data)
        if self.chunked_response:
            self.out.extend(chunk(data))
        else:
            self.out.append(data)

    def flush(self) -> None:
        """Called after each read from the origin: send what it became in one write."""
        if self.out:
            self.protocol.write(b"".join(self.out))
            self.out.clear()

    def upstream_complete(self, upstream_keep_alive: bool) -> None:
        if not self.response_started or self.done or self.ctx.status == 101:
            return  # an interim (1xx) response, or a 101 whose upgrade follows
        if self.chunked_response:
            self.out.append(LAST_CHUNK)
        self.flush_now()
        sample = self.sample
        if sample is not None:
            self.sample = None
            samples = self.protocol.edge.samples
            if samples is not None:
                samples.put(sample)
        self.finished_response = True
        self.upstream_deadline = INFINITY
        upstream = self.upstream
        self.upstream = None
        if upstream is not None:
            if upstream_keep_alive and self.request_complete:
                upstream.response_done()
            else:
                upstream.close()
        if self.request_complete:
            self.finish()
        elif self.content_length is not None and (
            self.content_length - self.ctx.request_bytes <= _DRAIN_LIMIT
        ):
            self.discarding = True
            # No origin takes the rest now: read it even if one had paused reading.
            self.protocol.gate.resume(UPSTREAM_FULL)
        else:
            self.keep_alive = False
            self.finish()

    def flush_now(self) -> None:
        if self.out:
            self.protocol.write(b"".join(self.out))
            self.out.clear()

    def upstream_upgraded(self, extra: bytes) -> None:
        """The origin switched protocols: from here on bytes pass through untouched."""
        upstream = self.upstream
        if not self.upgrade or self.ctx.status != 101 or upstream is None:
            self.upstream_failed("the origin switched protocols without being asked to")
            return
        self.flush_now()
        self.upstream = None
        self.upstream_deadline = INFINITY
        self.finished_response = True
        self.protocol.start_tunnel(upstream, extra)
        self.finish()

    def upstream_failed(self, message: str) -> None:
        upstream = self.upstream
        if upstream is not None and self.ctx.origin is not None:
            self.ctx.origin.record_failure()
        self._drop_upstream()
        self.upstream_error(502, message, retryable=False)

    def edge_failed(self, message: str) -> None:
        """A fault of the edge's own while it relayed the response: the origin connection
        is dropped, and the visitor gets a 502 or, mid-response, a closed connection."""
        if self.ctx.error is None:
            self.ctx.error = ProxyError("edge", message, False)
        self._drop_upstream()
        self.upstream_error(502, message, retryable=False)

    def upstream_lost(self, connection: UpstreamConnection) -> None:
        """The origin closed the connection while this exchange used it."""
        if self.upstream is not connection or self.done:
            return
        self.upstream = None
        if self.response_started and self.response_close_delimited:
            # The end of the connection is the end of this body (no length was given).
            self.upstream_complete(False)
            return
        retry = (
            not self.response_started
            and not connection.received_any
            and self.ctx.method in IDEMPOTENT_METHODS
            and not self.content_length
            and not self.body_chunked
            and self.attempts < self.protocol.edge.settings.upstream.max_attempts
        )
        if retry:
            self.connect()
            return
        self.upstream_error(502, "the origin closed the connection early", retryable=retry)

    def upstream_write_paused(self) -> None:
        self.protocol.gate.pause(UPSTREAM_FULL)

    def upstream_write_resumed(self) -> None:
        self.protocol.gate.resume(UPSTREAM_FULL)

    # answers from the edge itself

    def upstream_error(self, status: int, message: str, *, retryable: bool) -> None:
        if self.ctx.error is None:
            self.ctx.error = ProxyError("upstream", message, retryable)
        if self.response_started:
            # Part of the response is out: the only honest signal left is closing.
            self.keep_alive = False
            self._drop_upstream()
            self.finish()
        else:
            self.respond_error(status)

    def fail_request(self, status: int) -> None:
        """The visitor's request broke a rule mid-way: answer if possible, then close."""
        self.keep_alive = False
        self._drop_upstream()
        if self.ctx.error is None:
            self.ctx.error = ProxyError("downstream", f"request refused with {status}")
        if self.response_started:
            self.finish()
        else:
            self.respond_error(status)

    def respond_error(self, status: int) -> None:
        self.respond_local(self.protocol.edge.pages.error(status))

    def respond_local(self, answer: Answer) -> None:
        ctx = self.ctx
        status = ctx.status = answer.status
        if not self.request_complete:
            remaining = (self.content_length or 0) - ctx.request_bytes
            # A visitor waiting for 100 Continue may skip the body after a final answer:
            # its next bytes could be the body or a request, so only closing is safe.
            if (
                self.body_chunked
                or remaining > _DRAIN_LIMIT
                or status in (408, 413)
                or self.expect_continue
            ):
                self.keep_alive = False
            else:
                self.discarding = True
                self.protocol.gate.resume(UPSTREAM_FULL)
        self.pending_body = []
        protocol = self.protocol
        page = answer.page(ctx.header(b"accept"))
        body = page.body(ctx.request_id)
        close = not self.keep_alive or protocol.closing
        head = b"".join(
            (
                status_line(status),
                protocol.edge.date.line(),
                b"content-type: %s\r\ncontent-length: %d\r\n" % (page.content_type, len(body)),
                b"cache-control: no-store\r\nstockade-request-id: %s\r\n" % ctx.request_id,
                answer.headers,
                b"connection: close\r\n\r\n" if close else b"\r\n",
            )
        )
        protocol.write(head if self.head_request else head + body)
        ctx.response_bytes = 0 if self.head_request else len(body)
        self.response_started = True
        self.finished_response = True
        if self.request_complete or not self.keep_alive:
            self.finish()

    # ending

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        self.upstream_deadline = INFINITY
        protocol = self.protocol
        protocol.edge.lifecycle.logging(self.ctx)
        protocol.exchange_finished(self)

    def _drop_upstream(self) -> None:
        upstream = self.upstream
        self.upstream = None
        if upstream is not None:
            upstream.close()
        elif self.ctx.origin is not None and not self.done:
            self.ctx.origin.cancel_waiting(self)


class Refusal(Exchange):
    """A request refused while it was parsed: answered with `status` in its turn, after the
    requests before it on the connection, which then closes."""

    __slots__ = ("status",)

    def __init__(self, protocol: HttpProtocol, ctx: RequestContext, status: int) -> None:
        super().__init__(
            protocol,
            ctx,
            head=b"",
            keep_alive=False,
            content_length=None,
            body_chunked=False,
            expect_continue=False,
            upgrade=False,
        )
        self.status = status

    def start(self) -> None:
        self.respond_error(self.status)
