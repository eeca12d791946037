"""JSON-lines access log: records are queued on the hot path and written in batches."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import IO, TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from stockade.edge.lifecycle import RequestContext

FLUSH_INTERVAL = 0.5


class AccessLogRecord(msgspec.Struct, array_like=False, omit_defaults=True):
    time: str
    request_id: str
    client_ip: str
    method: str
    host: str
    url: str
    status: int
    zone: str
    duration_ms: float
    request_bytes: int
    response_bytes: int
    origin: str = ""
    upstream_ms: float | None = None
    error_source: str = ""
    error: str = ""
    challenge: str = ""
    # "rule-id:action" of each firewall rule that matched, in order.
    firewall: list[str] = msgspec.field(default_factory=list)
    access: str = ""
    # The id of the rate limit the request exceeded.
    rate_limit: str = ""


class AccessLog:
    def __init__(self, path: str, loop: asyncio.AbstractEventLoop) -> None:
        self.path = path
        self.loop = loop
        self.pending: list[tuple[float, RequestContext, float]] = []
        self.file: IO[bytes] = sys.stdout.buffer if path == "-" else open(path, "ab")  # noqa: SIM115
        self._encoder = msgspec.json.Encoder()
        self._timer: asyncio.TimerHandle | None = None
        self._writing: asyncio.Future[None] | None = None

    def record(self, ctx: RequestContext) -> None:
        # Only references and two clocks here; formatting happens in `flush`.
        self.pending.append((time.time(), ctx, time.perf_counter()))

    def start(self) -> None:
        self._timer = self.loop.call_later(FLUSH_INTERVAL, self._tick)

    def _tick(self) -> None:
        self.flush()
        self._timer = self.loop.call_later(FLUSH_INTERVAL, self._tick)

    def flush(self) -> None:
        if not self.pending or (self._writing is not None and not self._writing.done()):
            return
        batch, self.pending = self.pending, []
        data = b"".join(self._encoder.encode(_record(*entry)) + b"\n" for entry in batch)
        self._writing = self.loop.run_in_executor(None, self._write, data)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.file.flush()

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._writing is not None:
            await self._writing
        self.flush()
        if self._writing is not None:
            await self._writing
        if self.file is not sys.stdout.buffer:
            self.file.close()


def _record(wall: float, ctx: RequestContext, ended: float) -> AccessLogRecord:
    error = ctx.error
    return AccessLogRecord(
        time=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall))
        + f".{int(wall % 1 * 1000):03d}Z",
        request_id=ctx.request_id.decode(),
        client_ip=ctx.client_ip,
        method=ctx.method.decode("latin-1"),
        host=ctx.host.decode("latin-1"),
        url=ctx.url.decode("latin-1"),
        status=ctx.status,
        zone=ctx.route.name if ctx.route is not None else "",
        duration_ms=round((ended - ctx.started) * 1000, 3),
        request_bytes=ctx.request_bytes,
        response_bytes=ctx.response_bytes,
        origin=ctx.origin.url if ctx.origin is not None else "",
        upstream_ms=round(ctx.upstream_latency * 1000, 3) if ctx.upstream_latency >= 0 else None,
        error_source=error.source if error is not None else "",
        error=error.message if error is not None else "",
        challenge=ctx.challenge,
        firewall=[f"{rule}:{action}" for _, rule, action in ctx.firewall_matches or ()],
        access=ctx.access,
        rate_limit=ctx.rate_limit[1] if ctx.rate_limit is not None else "",
    )
