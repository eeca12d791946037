"""The phases of a request: order, answering early, and `logging` always running."""

from __future__ import annotations

from stockade.edge.lifecycle import Lifecycle, RequestContext
from stockade.edge.pages import Answer
from stockade.edge.runtime import Edge
from tests.support.contexts import request_context
from tests.support.wire import Wire


class Recording(Lifecycle):
    """The same extension point an outside plug-in would use."""

    def __init__(self, edge: Edge, answer_in_filter: bool) -> None:
        super().__init__(edge)
        self.calls: list[str] = []
        self.logged: list[RequestContext] = []
        self.answer_in_filter = answer_in_filter

    def route(self, ctx: RequestContext) -> Answer | None:
        self.calls.append("route")
        return super().route(ctx)

    def request_filter(self, ctx: RequestContext) -> Answer | None:
        self.calls.append("request_filter")
        return self.edge.pages.error(404) if self.answer_in_filter else None

    def upstream_peer(self, ctx: RequestContext):  # type: ignore[no-untyped-def]
        self.calls.append("upstream_peer")
        return super().upstream_peer(ctx)

    def response_filter(self, ctx: RequestContext, status: int, headers: list[bytes]) -> None:
        self.calls.append("response_filter")
        headers.append(b"x-phase: seen\r\n")

    def logging(self, ctx: RequestContext) -> None:
        self.calls.append("logging")
        self.logged.append(ctx)


def test_phases_run_in_order_and_may_add_headers(edge: Edge) -> None:
    lifecycle = edge.lifecycle = Recording(edge, answer_in_filter=False)
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert lifecycle.calls == [
        "route",
        "request_filter",
        "upstream_peer",
        "response_filter",
        "logging",
    ]
    assert b"x-phase: seen\r\n" in wire.transport.data()
    assert lifecycle.logged[0].status == 200
    assert lifecycle.logged[0].upstream_latency >= 0


def test_an_answer_stops_the_chain_and_logging_still_runs(edge: Edge) -> None:
    lifecycle = edge.lifecycle = Recording(edge, answer_in_filter=True)
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    assert lifecycle.calls == ["route", "request_filter", "logging"]
    assert wire.transport.data().startswith(b"HTTP/1.1 404 ")
    assert upstream.data() == b""


def test_logging_runs_with_the_error_when_the_visitor_leaves(edge: Edge) -> None:
    lifecycle = edge.lifecycle = Recording(edge, answer_in_filter=False)
    wire = Wire(edge)
    wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.transport.close()
    (ctx,) = lifecycle.logged
    assert ctx.status == 499
    assert ctx.error is not None and ctx.error.source == "downstream"


def test_header_lookup_is_case_insensitive(edge: Edge) -> None:
    ctx = request_context(headers=[(b"Accept", b"text/html"), (b"accept", b"application/json")])
    assert ctx.header(b"accept") == b"text/html"
    assert ctx.header(b"cookie") is None


class Faulty(Recording):
    def response_filter(self, ctx: RequestContext, status: int, headers: list[bytes]) -> None:
        raise RuntimeError("a phase's own fault")


def test_a_fault_in_a_phase_while_relaying_is_a_502_from_the_edge(edge: Edge) -> None:
    lifecycle = edge.lifecycle = Faulty(edge, answer_in_filter=False)
    wire = Wire(edge)
    upstream = wire.pool_connection()
    wire.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    wire.reply(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    assert wire.transport.data().startswith(b"HTTP/1.1 502 ")
    assert upstream.closed
    (ctx,) = lifecycle.logged
    assert ctx.status == 502
    assert ctx.error is not None and ctx.error.source == "edge"
