"""Rate-limit counters shared by every edge process and machine, in Redis.

Each request that rate limits count costs one round trip: one EVALSHA of a Lua script
that, for each limit the request matched, reads the key's mitigation, increments its
window's counter (setting its expiry on the first request) and marks the key limited
once over. Commands of one loop iteration leave in one write (pipelined), replies come
back in order.

The connection is a small asyncio protocol speaking RESP: on the request path it is
cheaper than redis-py's asyncio client (bench/README.md), which adds a coroutine, a
future and a connection-pool checkout per command. If Redis does not answer in
`redis_timeout`, or the connection drops, every request waiting for it is counted
locally at once, and the edge reconnects in the background.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TypeAlias
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from stockade.edge.ratelimit import CompiledLimit

log = logging.getLogger("stockade.edge")

# KEYS: counter and mitigation key of each matched limit, in order. ARGV: three per
# limit: requests per period, the counter's lifetime (ms), the mitigation timeout (ms).
# Returns {n, ms}: the first limit (from 1) the request exceeds and how long the key
# stays limited (-1: until the window ends), or {0, 0}.
SCRIPT: Final = b"""
local n = 0
for i = 1, #KEYS, 2 do
  n = n + 1
  local held = redis.call('PTTL', KEYS[i + 1])
  if held > 0 then return {n, held} end
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[3 * n - 1]) end
  if count > tonumber(ARGV[3 * n - 2]) then
    local hold = tonumber(ARGV[3 * n])
    if hold > 0 then
      redis.call('SET', KEYS[i + 1], '1', 'PX', hold)
      return {n, hold}
    end
    return {n, -1}
  end
end
return {0, 0}
"""
SCRIPT_SHA: Final = hashlib.sha1(SCRIPT).hexdigest().encode()
# Between two attempts to reach Redis again.
RECONNECT_INTERVAL: Final = 1.0


class RedisError(Exception):
    """An error reply from Redis."""


# A reply: an integer, a string, a list of replies, an error, or None (nil); a callback
# gets None too when Redis failed to answer.
Reply: TypeAlias = "int | bytes | list[Reply] | RedisError | None"
Result: TypeAlias = "tuple[int, float] | None"


def command(*args: bytes) -> bytes:
    """One command in RESP: an array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


def parse_reply(buffer: bytes, start: int) -> tuple[Reply, int] | None:
    """The reply at `start` and where the next one begins; None if it is not all there."""
    end = buffer.find(b"\r\n", start)
    if end < 0:
        return None
    kind = buffer[start : start + 1]
    line = buffer[start + 1 : end]
    after = end + 2
    if kind == b":":
        return int(line), after
    if kind == b"+":
        return line, after
    if kind == b"-":
        return RedisError(line.decode("utf-8", "replace")), after
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, after
        if len(buffer) < after + size + 2:
            return None
        return buffer[after : after + size], after + size + 2
    if kind == b"*":
        count = int(line)
        if count < 0:
            return None, after
        items: list[Reply] = []
        for _ in range(count):
            parsed = parse_reply(buffer, after)
            if parsed is None:
                return None
            item, after = parsed
            items.append(item)
        return items, after
    raise RedisError(f"Redis sent a reply of unknown type {kind!r}")


class RedisConnection(asyncio.Protocol):
    """One connection to Redis; replies go to its SharedCounters, in order."""

    def __init__(self, counters: SharedCounters) -> None:
        self.counters = counters
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        start = 0
        try:
            while start < len(buffer):
                parsed = parse_reply(buffer, start)
                if parsed is None:
                    break
                reply, start = parsed
                self.counters.reply(self, reply)
        except (RedisError, ValueError) as error:
            self.counters.fail(self, f"unreadable reply ({error})")
            return
        self.buffer = buffer[start:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.counters.fail(self, "the connection was lost")


class SharedCounters:
    """Counters in the Redis at `url`, for one worker; `ready` while it answers."""

    def __init__(
        self, url: str, prefix: str, timeout: float, loop: asyncio.AbstractEventLoop
    ) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.password = unquote(parts.password) if parts.password else None
        self.database = parts.path.strip("/") or "0"
        # As logs show it: without the password.
        self.url = f"redis://{self.host}:{self.port}/{self.database}"
        self.prefix = prefix.encode()
        self.timeout = timeout
        self.loop = loop
        self.ready = False
        self.connection: RedisConnection | None = None
        # (deadline, callback) of each command sent, in order
        self.waiting: deque[tuple[float, Callable[[Reply], None]]] = deque()
        self.out: list[bytes] = []
        self._flush_handle: asyncio.Handle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._reported_down = False
        self._closed = False

    def start(self) -> None:
        self._spawn(self._connect())

    def close(self) -> None:
        self._closed = True
        for task in self._tasks:
            task.cancel()
        if self.connection is not None and self.connection.transport is not None:
            self.connection.transport.close()

    # counting

    def count(
        self,
        matched: list[CompiledLimit],
        keys: list[bytes],
        now: float,
        answered: Callable[[Result], None],
    ) -> None:
        """Count one request against `matched` (whose counter keys are `keys`) in Redis;
        `answered` gets (index of the limit exceeded or -1, seconds limited or -1.0 for
        until the window ends), or None if Redis did not answer."""
        args = [b"EVALSHA", SCRIPT_SHA, b"%d" % (2 * len(keys))]
        argv: list[bytes] = []
        prefix = self.prefix
        for limit, key in zip(matched, keys, strict=True):
            window = int(now // limit.period)
            args.append(prefix + b"c:%d:" % window + key)
            args.append(prefix + b"m:" + key)
            lifetime = math.ceil(((window + 1) * limit.period - now) * 1000) + 1000
            argv += (
                b"%d" % limit.requests,
                b"%d" % lifetime,
                b"%d" % (limit.mitigation_timeout * 1000),
            )

        def replied(reply: Reply) -> None:
            if isinstance(reply, list) and len(reply) == 2:
                index, held = reply
                if isinstance(index, int) and isinstance(held, int):
                    answered((index - 1, held / 1000 if held >= 0 else -1.0))
                    return
            if isinstance(reply, RedisError) and str(reply).startswith("NOSCRIPT"):
                # Redis lost its scripts (restarted, or SCRIPT FLUSH): load it again.
                self.send(command(b"SCRIPT", b"LOAD", SCRIPT), _ignore)
            answered(None)

        self.send(command(*args, *argv), replied)

    def send(self, data: bytes, callback: Callable[[Reply], None]) -> None:
        """Queue one command; commands queued in one loop iteration leave in one write."""
        self.out.append(data)
        self.waiting.append((self.loop.time() + self.timeout, callback))
        if self._flush_handle is None:
            self._flush_handle = self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        connection = self.connection
        if connection is None or connection.transport is None:
            self.fail(connection, "no connection")
            return
        connection.transport.write(b"".join(self.out))
        self.out.clear()
        if self._timer is None and self.waiting:
            self._timer = self.loop.call_at(self.waiting[0][0], self._check_late)

    def _check_late(self) -> None:
        self._timer = None
        if not self.waiting:
            return
        deadline = self.waiting[0][0]
        if deadline <= self.loop.time():
            self.fail(self.connection, f"no answer within {self.timeout * 1000:g} ms")
        else:
            self._timer = self.loop.call_at(deadline, self._check_late)

    # called by the connection

    def reply(self, connection: RedisConnection, reply: Reply) -> None:
        if connection is not self.connection or not self.waiting:
            return
        _, callback = self.waiting.popleft()
        callback(reply)

    def fail(self, connection: RedisConnection | None, reason: str) -> None:
        """Redis failed: every request waiting is counted locally, and the edge reconnects."""
        if connection is not self.connection:
            return
        self.ready = False
        self.connection = None
        if connection is not None and connection.transport is not None:
            connection.transport.abort()
        waiting, self.waiting = self.waiting, deque()
        self.out.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._reported_down and not self._closed:
            self._reported_down = True
            log.warning(
                "rate limits count locally: Redis at %s failed (%s); reconnecting",
                self.url,
                reason,
            )
        for _, callback in waiting:
            callback(None)
        if not self._closed and not self._tasks:
            self._spawn(self._reconnect())

    # connecting

    def _spawn(self, coroutine: object) -> None:
        task: asyncio.Task[None] = self.loop.create_task(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reconnect(self) -> None:
        await asyncio.sleep(RECONNECT_INTERVAL)
        await self._connect()

    async def _connect(self) -> None:
        while not self._closed:
            try:
                await self._open()
                return
            except (OSError, TimeoutError, RedisError) as error:
                self.fail(self.connection, str(error) or type(error).__name__)
            await asyncio.sleep(RECONNECT_INTERVAL)

    async def _open(self) -> None:
        _, connection = await asyncio.wait_for(
            self.loop.create_connection(lambda: RedisConnection(self), self.host, self.port),
            timeout=max(self.timeout, 1.0),
        )
        self.connection = connection
        setup = []
        if self.password is not None:
            setup.append(command(b"AUTH", self.password.encode()))
        if self.database != "0":
            setup.append(command(b"SELECT", self.database.encode()))
        setup.append(command(b"SCRIPT", b"LOAD", SCRIPT))
        replies: list[asyncio.Future[Reply]] = []
        for data in setup:
            future: asyncio.Future[Reply] = self.loop.create_future()
            replies.append(future)
            self.send(data, functools.partial(_settle, future))
        for future in replies:
            reply = await asyncio.wait_for(future, timeout=max(self.timeout, 1.0))
            if isinstance(reply, RedisError):
                raise reply
            if reply is None:
                raise OSError("the connection closed during setup")
        self.ready = True
        if self._reported_down:
            self._reported_down = False
            log.warning("rate limits count in Redis at %s again", self.url)
        else:
            log.info("rate limits count in Redis at %s", self.url)


def _ignore(reply: Reply) -> None:
    pass


def _settle(future: asyncio.Future[Reply], reply: Reply) -> None:
    if not future.done():
        future.set_result(reply)
