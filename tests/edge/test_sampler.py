"""Sampling decisions, the bounded queue that drops and counts, and the sender posting
batches in MessagePack to a real HTTP server on loopback over one keep-alive connection."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import pytest
import trustme

from stockade.edge.config import EdgeSettings
from stockade.edge.metrics import Metrics
from stockade.edge.routing import ZoneRoute
from stockade.edge.runtime import Edge
from stockade.edge.sampler import (
    BATCH_BYTES,
    Sample,
    SampleQueue,
    sample_gap,
    sample_response,
)
from stockade.policy import (
    SAMPLE_LIMIT,
    SAMPLES_MEDIA_TYPE,
    EdgeSample,
    SigningKey,
    Snapshot,
    decode_samples,
)
from tests.edge.conftest import ZONE
from tests.support.contexts import request_context
from tests.support.loopback_server import QuietHandler, loopback_server

HTML = [(b"Content-Type", b"text/html; charset=utf-8")]
TYPES = frozenset([b"text/html", b"application/json"])


def routed(edge: Edge) -> Sample:
    ctx = request_context(url=b"/t/1")
    ctx.route = edge.table.lookup(b"forum.example")
    sample = sample_response(ctx, TYPES, HTML)
    assert sample is not None
    return sample


def settings(url: str) -> EdgeSettings:
    key = SigningKey.generate().verify_key().to_text()
    return EdgeSettings(control_url=url, control_key=key, control_token="stk_edge")


@dataclass
class Sink:
    """A stand-in control plane: what it received, and from which connections."""

    url: str
    answers: list[int]  # statuses of the first posts, in order; 200 after them
    batches: list[list[EdgeSample]] = field(default_factory=list)
    heads: list[dict[str, str]] = field(default_factory=list)
    connections: list[tuple[str, int]] = field(default_factory=list)
    # Each post's connection is closed after the answer.
    close: bool = False
    # Posts whose connection is closed without an answer, counted from 1.
    unanswered: set[int] = field(default_factory=set)


@contextmanager
def sink(*answers: int, tls: ssl.SSLContext | None = None) -> Iterator[Sink]:
    lock = threading.Lock()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            with lock:
                received.connections.append(self.client_address)
                if len(received.connections) in received.unanswered:
                    self.close_connection = True
                    return
                status = received.answers.pop(0) if received.answers else 200
                if status == 200:
                    received.batches.append(decode_samples(body).samples)
                    received.heads.append(dict(self.headers))
            self.close_connection = received.close
            self.send_response(status)
            if received.close:
                self.send_header("connection", "close")
            self.send_header("content-length", "12")
            self.end_headers()
            self.wfile.write(b'{"stored":1}')

    received = Sink(url="", answers=list(answers))
    with loopback_server(Handler, tls) as url:
        received.url = url
        yield received


def send_all(queue: SampleQueue, metrics: Metrics, *samples: Sample, pause: float = 0.0) -> None:
    """Start the sender, queue the samples one by one, each once the last is counted."""

    async def run() -> None:
        queue.start(asyncio.get_running_loop())
        for count, sample in enumerate(samples, 1):
            queue.put(sample)
            while sum(metrics.samples.values()) < count:
                await asyncio.sleep(0.02)
            await asyncio.sleep(pause)
        queue.stop()

    asyncio.run(asyncio.wait_for(run(), 20))


def test_gaps_pick_the_share_of_responses_the_rate_asks() -> None:
    assert {sample_gap(1.0) for _ in range(100)} == {1}
    gaps = [sample_gap(0.1) for _ in range(20_000)]
    assert min(gaps) == 1
    assert 9.7 < sum(gaps) / len(gaps) < 10.3
    # As with a die per response, one response in ten of those after a pick is picked.
    assert 0.08 < gaps.count(1) / len(gaps) < 0.12
    assert sample_gap(5e-324) > 10**15


def test_a_zone_route_picks_responses_at_its_rate(loop: asyncio.AbstractEventLoop) -> None:
    def route(rate: float) -> ZoneRoute:
        zone = msgspec.structs.replace(ZONE, sample_rate=rate)
        found = Edge(EdgeSettings(), Snapshot(revision=1, zones=(zone,)), loop).table.lookup(
            b"forum.example"
        )
        assert found is not None
        return found

    quarter = route(0.25)
    picked = sum(quarter.sample_picked() for _ in range(40_000))
    assert 9_400 < picked < 10_600
    always = route(1.0)
    assert all(always.sample_picked() for _ in range(100))


@pytest.mark.parametrize(
    ("headers", "sampled"),
    [
        ([(b"content-type", b"application/json")], True),
        ([(b"CONTENT-TYPE", b"Text/HTML")], True),
        ([(b"content-type", b"image/png")], False),
        ([(b"content-type", b"text/html"), (b"content-encoding", b"gzip")], False),
        ([(b"Content-Encoding", b" br "), (b"content-type", b"text/html")], False),
        ([(b"content-type", b"text/html"), (b"content-encoding", b"identity")], True),
        ([(b"content-typo", b"text/html")], False),
        ([], False),
    ],
)
def test_only_listed_types_that_are_not_encoded_are_sampled(
    headers: list[tuple[bytes, bytes]], sampled: bool
) -> None:
    assert (sample_response(request_context(), TYPES, headers) is not None) is sampled


def test_the_body_is_kept_up_to_the_cap(edge: Edge) -> None:
    sample = routed(edge)
    sample.add(b"a" * (SAMPLE_LIMIT - 10))
    sample.add(b"b" * 100)
    sample.add(b"c")
    finished = sample.finished()
    assert len(finished.body) == SAMPLE_LIMIT
    assert finished.body.endswith(b"b" * 10)
    assert (finished.zone, finished.host, finished.path) == ("forum", "forum.example", "/t/1")
    assert (finished.request_id, finished.content_type) == ("abc", "text/html; charset=utf-8")


def test_a_full_queue_drops_and_counts(edge: Edge) -> None:
    metrics = Metrics()
    queue = SampleQueue(settings("http://127.0.0.1:9"), metrics, limit=3)
    for _ in range(5):
        queue.put(routed(edge))
    assert len(queue.waiting) == 3
    assert metrics.samples == {"dropped": 2}


def test_the_sender_posts_batches_in_messagepack_over_one_connection(edge: Edge) -> None:
    with sink() as received:
        metrics = Metrics()
        queue = SampleQueue(settings(received.url), metrics)
        first, second = routed(edge), routed(edge)
        second.add(b"<p>hello</p>")
        send_all(queue, metrics, first, second)
    assert metrics.samples == {"sent": 2}
    assert [len(batch) for batch in received.batches] == [1, 1]
    sent = received.batches[1][0]
    assert sent.body == b"<p>hello</p>"
    assert (sent.zone, sent.scheme, sent.host, sent.path) == (
        "forum",
        "http",
        "forum.example",
        "/t/1",
    )
    head = received.heads[0]
    assert head["content-type"] == SAMPLES_MEDIA_TYPE
    assert head["authorization"] == "Bearer stk_edge"
    assert head["host"] == received.url.removeprefix("http://")
    # Keep-alive: the second batch went on the first one's connection.
    assert len(set(received.connections)) == 1


def test_a_refused_batch_is_counted_as_failed_and_not_sent_again(edge: Edge) -> None:
    with sink(500) as received:
        metrics = Metrics()
        queue = SampleQueue(settings(received.url), metrics)
        send_all(queue, metrics, routed(edge), routed(edge))
    assert metrics.samples == {"failed": 1, "sent": 1}
    assert len(received.connections) == 2
    assert len(received.batches) == 1


def test_a_connection_the_control_plane_closes_is_replaced(edge: Edge) -> None:
    with sink() as received:
        received.close = True
        metrics = Metrics()
        queue = SampleQueue(settings(received.url), metrics)
        send_all(queue, metrics, routed(edge), routed(edge), routed(edge))
    assert metrics.samples == {"sent": 3}
    assert len(set(received.connections)) == 3


def test_a_batch_on_a_connection_closed_under_it_goes_again_on_a_new_one(edge: Edge) -> None:
    with sink() as received:
        received.unanswered = {2}
        metrics = Metrics()
        queue = SampleQueue(settings(received.url), metrics)
        send_all(queue, metrics, routed(edge), routed(edge))
    assert metrics.samples == {"sent": 2}
    assert len(received.batches) == 2
    first, dropped, again = received.connections
    assert first == dropped != again


def test_a_control_plane_that_closes_a_new_connection_unanswered_counts_a_failure(
    edge: Edge, caplog: pytest.LogCaptureFixture
) -> None:
    with sink() as received:
        received.unanswered = {1}
        metrics = Metrics()
        queue = SampleQueue(settings(received.url), metrics)
        send_all(queue, metrics, routed(edge))
    assert metrics.samples == {"failed": 1}
    assert "cannot send 1 samples to the control plane: it closed the connection" in caplog.text


def control_plane(answer: Callable[[asyncio.Transport, bytes], None]) -> type[asyncio.Protocol]:
    class Server(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            answer(self.transport, data)  # type: ignore[arg-type]

    return Server


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda transport, data: None, "no answer within 0.2 s"),
        (
            lambda transport, data: transport.write(b"HTTP/1.1 2000 Fine\r\n\r\n"),
            "it sent an invalid response",
        ),
    ],
)
def test_a_control_plane_that_does_not_answer_properly_counts_failures(
    edge: Edge,
    caplog: pytest.LogCaptureFixture,
    answer: Callable[[asyncio.Transport, bytes], None],
    reason: str,
) -> None:
    metrics = Metrics()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(control_plane(answer), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        queue = SampleQueue(settings(f"http://127.0.0.1:{port}"), metrics)
        queue.send_timeout = 0.2
        await queue.send([routed(edge).finished()])
        queue.stop()
        server.close()

    asyncio.run(asyncio.wait_for(run(), 10))
    assert metrics.samples == {"failed": 1}
    assert f"cannot send 1 samples to the control plane: {reason}" in caplog.text


def test_an_unreachable_control_plane_counts_failures(edge: Edge) -> None:
    metrics = Metrics()
    queue = SampleQueue(settings("http://127.0.0.1:9"), metrics)
    send_all(queue, metrics, routed(edge))
    assert metrics.samples == {"failed": 1}


def test_the_sender_speaks_tls_to_an_https_control_plane(
    edge: Edge, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    # The certificates the snapshot feed trusts: SSL_CERT_FILE, as httpx reads it.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    with sink(tls=server_context) as received:
        metrics = Metrics()
        queue = SampleQueue(settings(received.url), metrics)
        send_all(queue, metrics, routed(edge))
    assert received.url.startswith("https://")
    assert metrics.samples == {"sent": 1}


def test_an_edge_without_a_control_plane_does_not_sample(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    zone = msgspec.structs.replace(ZONE, sample_rate=1.0)
    edge = Edge(EdgeSettings(), Snapshot(revision=1, zones=(zone,)), loop)
    edge.apply(Snapshot(revision=2, zones=(zone,)))
    ctx = request_context()
    ctx.route = edge.table.lookup(b"forum.example")
    assert edge.samples is None
    assert edge.lifecycle.sample(ctx, HTML) is None
    warnings = [
        record.getMessage() for record in caplog.records if "ask for sampling" in record.message
    ]
    assert warnings == [
        "zone(s) forum ask for sampling, which needs a control plane to send samples to: set edge.control_url, or leave sample_rate at 0"
    ]


def test_a_batch_is_cut_short_at_its_size_in_bytes(edge: Edge) -> None:
    queue = SampleQueue(settings("http://127.0.0.1:9"), Metrics())
    for _ in range(70):
        sample = routed(edge)
        sample.add(b"x" * SAMPLE_LIMIT)
        queue.put(sample)
    assert len(queue.take_batch()) == BATCH_BYTES // SAMPLE_LIMIT
    assert len(queue.take_batch()) == 70 - BATCH_BYTES // SAMPLE_LIMIT
