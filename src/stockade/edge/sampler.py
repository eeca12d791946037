"""Samples of served content for watch: kept as they stream, queued per worker, sent to
the control plane in batches.

A request is never slowed: the queue is bounded, and a sample that finds it full is
dropped and counted. The sender posts batches of up to `BATCH_SIZE` samples, or what is
queued every `BATCH_INTERVAL` seconds, to `POST /v1/edge/samples` on the control plane the
edge follows, with the token of the snapshot feed, encoded in MessagePack
(stockade.policy.samples).

Batches go over one keep-alive connection of the sender's own, a small asyncio protocol:
an HTTP client library cost the worker more per batch than encoding the samples in it
(bench/README.md, "Sampling overhead").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from random import random
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httptools

from stockade.policy import (
    MAX_SAMPLES,
    SAMPLE_LIMIT,
    SAMPLES_MEDIA_TYPE,
    EdgeSample,
    encode_samples,
)

if TYPE_CHECKING:
    import ssl

    from stockade.edge.config import EdgeSettings
    from stockade.edge.lifecycle import RequestContext
    from stockade.edge.metrics import Metrics

log = logging.getLogger("stockade.edge.sampler")

# Samples a worker holds while the control plane is slow; beyond, they are dropped.
QUEUE_LIMIT: Final = 1000
# Each post costs the worker a little whatever its size: batches are as large as the
# control plane takes, and cut short at BATCH_BYTES of bodies.
BATCH_SIZE: Final = MAX_SAMPLES
BATCH_BYTES: Final = 4 * 1024 * 1024
BATCH_INTERVAL: Final = 1.0
# How long a post may take, connecting included, before its batch is counted as failed.
SEND_TIMEOUT: Final = 10.0
SAMPLES_PATH: Final = "/v1/edge/samples"
_LONGEST_GAP: Final = float(2**53)


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


def sample_gap(rate: float) -> int:
    """How many responses from here to the next one sampled at `rate`, that one included.

    Gaps drawn so (geometric) pick the same share of responses, as independently, as a
    die rolled for every response, which would cost each response a call to random()."""
    if rate >= 1.0:
        return 1
    # Capped: at a rate near the smallest float the quotient reaches infinity.
    return int(min(math.log(1.0 - random()) / math.log1p(-rate), _LONGEST_GAP)) + 1


def sample_response(
    ctx: RequestContext, types: frozenset[bytes], headers: list[tuple[bytes, bytes]]
) -> Sample | None:
    """A Sample for this response if its Content-Type is one of `types` and its body is
    not content-encoded (the edge does not decompress)."""
    content_type = b""
    for name, value in headers:
        # The length first: it spares lowering the names of every other header.
        length = len(name)
        if length == 12 and name.lower() == b"content-type":
            content_type = value
        elif (
            length == 16
            and name.lower() == b"content-encoding"
            and value.strip().lower() != b"identity"
        ):
            return None
    media_type = content_type.split(b";", 1)[0].strip().lower()
    if media_type not in types:
        return None
    return Sample(ctx, content_type)


class ControlPlaneError(Exception):
    """The control plane's connection failed or sent something that is not a response."""


class ControlConnection(asyncio.Protocol):
    """A keep-alive HTTP/1.1 connection to the control plane, one request at a time."""

    def __init__(self) -> None:
        # per-connection state
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        # per-request state
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.keep_alive = True

    # protocol interface

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self.fail(f"it sent an invalid response ({error})")
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.fail("it closed the connection")

    # parser callbacks

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        answer, self.answer = self.answer, None
        body, self.body = b"".join(self.body), []
        if answer is not None and not answer.done():
            answer.set_result((self.parser.get_status_code(), body))

    # used by the sender

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        """Send a request and wait for the status and body of its response."""
        assert self.transport is not None and self.answer is None
        self.answer = asyncio.get_running_loop().create_future()
        # Two buffers: the body is not copied to put the head before it.
        self.transport.writelines((head, body))
        return await self.answer

    def fail(self, reason: str) -> None:
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_exception(ControlPlaneError(reason))

    def is_usable(self) -> bool:
        return self.keep_alive and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class SampleQueue:
    """A worker's samples waiting to be sent, and the sender that drains them."""

    def __init__(self, settings: EdgeSettings, metrics: Metrics, limit: int = QUEUE_LIMIT) -> None:
        assert settings.control_url
        url = urlsplit(settings.control_url.rstrip("/") + SAMPLES_PATH)
        self.host = url.hostname or ""
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.tls = url.scheme == "https"
        token = settings.control_token
        # The head of every post, but for the body's length.
        self.head = (
            f"POST {url.path} HTTP/1.1\r\nhost: {url.netloc}\r\n"
            f"content-type: {SAMPLES_MEDIA_TYPE}\r\n"
            + (f"authorization: Bearer {token}\r\n" if token else "")
            + "content-length: %d\r\n\r\n"
        ).encode("latin-1")
        self.metrics = metrics
        self.limit = limit
        self.send_timeout = SEND_TIMEOUT
        self.waiting: deque[EdgeSample] = deque()
        self.ready = asyncio.Event()
        self.sender: asyncio.Task[None] | None = None
        self.connection: ControlConnection | None = None
        self._tls_context: ssl.SSLContext | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.sender = loop.create_task(self.run())

    def stop(self) -> None:
        """Stop sending; samples still queued are dropped with the worker."""
        if self.sender is not None:
            self.sender.cancel()
            self.sender = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None

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
        loop = asyncio.get_running_loop()
        due = loop.time() + BATCH_INTERVAL
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ready.wait(), max(due - loop.time(), 0.0))
            self.ready.clear()
            # Full batches only: a busy edge must not pay a post for a few samples.
            while len(self.waiting) >= BATCH_SIZE:
                await self.send(self.take_batch())
            if loop.time() >= due:
                if self.waiting:
                    await self.send(self.take_batch())
                due = loop.time() + BATCH_INTERVAL

    async def send(self, batch: list[EdgeSample]) -> None:
        """Post one batch; a batch the control plane does not take is counted as failed."""
        try:
            status, answer = await asyncio.wait_for(
                self.post(encode_samples(batch)), self.send_timeout
            )
        except (OSError, TimeoutError, ControlPlaneError) as error:
            if self.connection is not None:
                self.connection.close()
                self.connection = None
            reason = (
                f"no answer within {self.send_timeout:g} s"
                if isinstance(error, TimeoutError)
                else str(error)
            )
            log.warning("cannot send %d samples to the control plane: %s", len(batch), reason)
            self.metrics.count_samples("failed", len(batch))
            return
        if not 200 <= status < 300:
            log.warning(
                "the control plane refused %d samples with %d: %s",
                len(batch),
                status,
                answer[:300].decode("utf-8", "replace"),
            )
            self.metrics.count_samples("failed", len(batch))
            return
        self.metrics.count_samples("sent", len(batch))

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of the control plane's answer to one batch."""
        head = self.head % len(body)
        connection = self.connection
        if connection is not None:
            if connection.is_usable():
                try:
                    return await connection.request(head, body)
                except ControlPlaneError:
                    # It may close an idle connection as a batch leaves; a batch sent again
                    # is stored once, so the batch goes again on a new connection.
                    pass
            connection.close()
        self.connection = connection = await self.connect()
        return await connection.request(head, body)

    async def connect(self) -> ControlConnection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            ControlConnection, self.host, self.port, ssl=self.tls_context()
        )
        return connection

    def tls_context(self) -> ssl.SSLContext | None:
        """For an https control plane, the certificates the snapshot feed trusts too."""
        if not self.tls:
            return None
        if self._tls_context is None:
            # Imported here, as the snapshot feed imports httpx: only an edge that follows
            # a control plane over https needs it.
            import httpx

            self._tls_context = httpx.create_ssl_context()
        return self._tls_context
