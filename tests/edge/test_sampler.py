"""Sampling decisions, the bounded queue that drops and counts, and the sender posting
batches to a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import base64

import msgspec
import pytest

from stockade.edge.config import EdgeSettings
from stockade.edge.metrics import Metrics
from stockade.edge.runtime import Edge
from stockade.edge.sampler import (
    BATCH_BYTES,
    SAMPLE_LIMIT,
    Sample,
    SampleQueue,
    sample_response,
)
from stockade.policy import SigningKey, Snapshot
from tests.edge.conftest import ZONE
from tests.support.contexts import request_context
from tests.support.webhook_receiver import webhook_receiver

HTML = [(b"Content-Type", b"text/html; charset=utf-8")]
TYPES = frozenset([b"text/html", b"application/json"])


def routed(edge: Edge) -> Sample:
    ctx = request_context(url=b"/t/1")
    ctx.route = edge.table.lookup(b"forum.example")
    sample = sample_response(ctx, 1.0, TYPES, HTML)
    assert sample is not None
    return sample


def settings(url: str) -> EdgeSettings:
    key = SigningKey.generate().verify_key().to_text()
    return EdgeSettings(control_url=url, control_key=key, control_token="stk_edge")


def test_rate_0_never_samples_and_rate_1_always_does() -> None:
    ctx = request_context()
    assert all(sample_response(ctx, 0.0, TYPES, HTML) is None for _ in range(200))
    assert all(sample_response(ctx, 1.0, TYPES, HTML) is not None for _ in range(200))
    kept = sum(sample_response(ctx, 0.1, TYPES, HTML) is not None for _ in range(5000))
    assert 300 < kept < 700


@pytest.mark.parametrize(
    ("headers", "sampled"),
    [
        ([(b"content-type", b"application/json")], True),
        ([(b"CONTENT-TYPE", b"Text/HTML")], True),
        ([(b"content-type", b"image/png")], False),
        ([(b"content-type", b"text/html"), (b"content-encoding", b"gzip")], False),
        ([(b"content-type", b"text/html"), (b"content-encoding", b"identity")], True),
        ([], False),
    ],
)
def test_only_listed_types_that_are_not_encoded_are_sampled(
    headers: list[tuple[bytes, bytes]], sampled: bool
) -> None:
    assert (sample_response(request_context(), 1.0, TYPES, headers) is not None) is sampled


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


def test_the_sender_posts_batches_and_counts_failures(edge: Edge) -> None:
    with webhook_receiver(500) as receiver:
        metrics = Metrics()
        queue = SampleQueue(settings(receiver.url.removesuffix("/alerts")), metrics)

        async def run() -> None:
            queue.start(asyncio.get_running_loop())
            queue.put(routed(edge))
            while not metrics.samples:
                await asyncio.sleep(0.05)
            sample = routed(edge)
            sample.add(b"<p>hello</p>")
            queue.put(sample)
            while "sent" not in metrics.samples:
                await asyncio.sleep(0.05)
            queue.stop()

        asyncio.run(asyncio.wait_for(run(), 10))
    assert metrics.samples == {"failed": 1, "sent": 1}
    (batch,) = receiver.received
    (sent,) = batch["samples"]
    assert base64.b64decode(sent["body"]) == b"<p>hello</p>"
    assert (sent["zone"], sent["scheme"], sent["path"]) == ("forum", "http", "/t/1")


def test_an_unreachable_control_plane_counts_failures(edge: Edge) -> None:
    metrics = Metrics()
    queue = SampleQueue(settings("http://127.0.0.1:9"), metrics)

    async def run() -> None:
        queue.start(asyncio.get_running_loop())
        queue.put(routed(edge))
        while not metrics.samples:
            await asyncio.sleep(0.05)
        queue.stop()

    asyncio.run(asyncio.wait_for(run(), 10))
    assert metrics.samples == {"failed": 1}


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
