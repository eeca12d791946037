"""Samples of served content for watch: kept as they stream, queued per worker, sent to
the control plane in batches.

A request is never slowed: the queue is bounded, and a sample that finds it full is
dropped and counted. The sender posts batches of up to `BATCH_SIZE` samples, or what is
queued every `BATCH_INTERVAL` seconds, to `POST /v1/edge/samples` on the control plane the
edge follows, with the token of the snapshot feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from random import random
from typing import TYPE_CHECKING, Final

import msgspec

if TYPE_CHECKING:
    import httpx

    from stockade.edge.config import EdgeSettings
    from stockade.edge.lifecycle import RequestContext
    from stockade.edge.metrics import Metrics

log = logging.getLogger("stockade.edge.sampler")

# Body bytes kept of one response; the rest streams on unsampled.
SAMPLE_LIMIT: Final = 64 * 1024
# Samples a worker holds while the control plane is slow; beyond, they are dropped.
QUEUE_LIMIT: Final = 1000
# A post costs the worker about 22 µs per sample in batches of 100, 7 µs in batches of 500
# (the most the control plane takes); a batch is cut short at BATCH_BYTES of bodies.
BATCH_SIZE: Final = 500
BATCH_BYTES: Final = 4 * 1024 * 1024
BATCH_INTERVAL: Final = 1.0
SAMPLES_PATH: Final = "/v1/edge/samples"


class EdgeSample(msgspec.Struct, frozen=True):
    """One sampled response as it is sent; `body` travels base64-encoded in JSON."""

    zone: str
    scheme: str
    host: str
    path: str
    time: float
    request_id: str
    content_type: str
    body: bytes


class SampleBatch(msgspec.Struct, frozen=True):
    samples: list[EdgeSample]


class Sample:
    """The part of a response body kept so far, up to SAMPLE_LIMIT bytes."""

    __slots__ = ("content_type", "ctx", "parts", "room", "started")

    def __init__(self, ctx: RequestContext, content_type: bytes) -> None:
        self.ctx = ctx
        self.content_type = content_type
        self.started = time.time()
        self.parts: list[bytes] = []
        self.room = SAMPLE_LIMIT

    def add(self, data: bytes) -> None:
        room = self.room
        if room <= 0:
            return
        if len(data) > room:
            data = data[:room]
        self.parts.append(data)
        self.room = room - len(data)

    def finished(self) -> EdgeSample:
        ctx = self.ctx
        assert ctx.route is not None
        return EdgeSample(
            zone=ctx.route.name,
            scheme=ctx.scheme.decode("ascii"),
            host=ctx.host.decode("latin-1"),
            path=ctx.url.decode("latin-1"),
            time=self.started,
            request_id=ctx.request_id.decode("ascii"),
            content_type=self.content_type.decode("latin-1"),
            body=b"".join(self.parts),
        )


def sample_response(
    ctx: RequestContext, rate: float, types: frozenset[bytes], headers: list[tuple[bytes, bytes]]
) -> Sample | None:
    """A Sample for this 200 response if the dice pick it, its Content-Type is one of
    `types`, and its body is not content-encoded (the edge does not decompress)."""
    if random() >= rate:
        return None
    content_type = b""
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-encoding" and value.strip().lower() != b"identity":
            return None
        if lowered == b"content-type":
            content_type = value
    media_type = content_type.split(b";", 1)[0].strip().lower()
    if media_type not in types:
        return None
    return Sample(ctx, content_type)


class SampleQueue:
    """A worker's samples waiting to be sent, and the sender that drains them."""

    def __init__(self, settings: EdgeSettings, metrics: Metrics, limit: int = QUEUE_LIMIT) -> None:
        assert settings.control_url
        self.url = settings.control_url.rstrip("/") + SAMPLES_PATH
        self.headers = (
            {"authorization": f"Bearer {settings.control_token}"} if settings.control_token else {}
        )
        self.metrics = metrics
        self.limit = limit
        self.waiting: deque[EdgeSample] = deque()
        self.ready = asyncio.Event()
        self.sender: asyncio.Task[None] | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.sender = loop.create_task(self.run())

    def stop(self) -> None:
        """Stop sending; samples still queued are dropped with the worker."""
        if self.sender is not None:
            self.sender.cancel()
            self.sender = None

    def put(self, sample: Sample) -> None:
        """Queue a finished sample, or drop and count it when the queue is full."""
        if len(self.waiting) >= self.limit:
            self.metrics.count_samples("dropped", 1)
            return
        self.waiting.append(sample.finished())
        if len(self.waiting) >= BATCH_SIZE:
            self.ready.set()

    def take_batch(self) -> list[EdgeSample]:
        waiting = self.waiting
        batch: list[EdgeSample] = []
        size = 0
        while waiting and len(batch) < BATCH_SIZE and size < BATCH_BYTES:
            sample = waiting.popleft()
            batch.append(sample)
            size += len(sample.body)
        return batch

    async def run(self) -> None:
        """Send forever: a batch when one is full, or what is queued every second."""
        # Imported here, as the snapshot feed does: only an edge with a control plane sends.
        import httpx

        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(timeout=10.0, headers=self.headers) as client:
            due = loop.time() + BATCH_INTERVAL
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.ready.wait(), max(due - loop.time(), 0.0))
                self.ready.clear()
                # Full batches only: a busy edge must not pay a post for a few samples.
                while len(self.waiting) >= BATCH_SIZE:
                    await self.send(client, self.take_batch())
                if loop.time() >= due:
                    if self.waiting:
                        await self.send(client, self.take_batch())
                    due = loop.time() + BATCH_INTERVAL

    async def send(self, client: httpx.AsyncClient, batch: list[EdgeSample]) -> None:
        """Post one batch; a batch the control plane does not take is counted as failed."""
        import httpx

        try:
            response = await client.post(
                self.url,
                content=msgspec.json.encode(SampleBatch(batch)),
                headers={"content-type": "application/json"},
            )
        except (httpx.HTTPError, OSError) as error:
            log.warning("cannot send %d samples to the control plane: %s", len(batch), error)
            self.metrics.count_samples("failed", len(batch))
            return
        if not 200 <= response.status_code < 300:
            log.warning(
                "the control plane refused %d samples with %d: %s",
                len(batch),
                response.status_code,
                response.text[:300],
            )
            self.metrics.count_samples("failed", len(batch))
            return
        self.metrics.count_samples("sent", len(batch))
