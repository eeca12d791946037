"""Origins: per-origin keep-alive pools and passive health, shared by all zones of an edge."""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from collections import deque
from collections.abc import Coroutine
from typing import Protocol

from stockade.edge.config import UpstreamSettings
from stockade.edge.upstream import UpstreamConnection
from stockade.policy import parse_origin

log = logging.getLogger("stockade.edge")


class Waiter(Protocol):
    """What waits for a connection to an origin: an exchange, at the edge."""

    connect_timeout: float

    def wants_upstream(self) -> bool: ...

    def upstream_ready(self, connection: UpstreamConnection) -> None: ...

    def upstream_connect_failed(self, message: str, timed_out: bool) -> None: ...


class Origin:
    """One origin server: its pool of idle connections and whether it is taking requests."""

    def __init__(
        self,
        url: str,
        *,
        ssl_context: ssl.SSLContext | None,
        settings: UpstreamSettings,
        loop: asyncio.AbstractEventLoop,
        tasks: set[asyncio.Task[None]],
    ) -> None:
        parsed = parse_origin(url)
        assert parsed is not None, "zones check their origins"
        scheme, self.host, self.port = parsed
        self.url = url
        self.tls = scheme == "https"
        self.ssl_context = ssl_context if self.tls else None
        self.settings = settings
        self.loop = loop
        self._tasks = tasks
        # pool state
        self.idle: list[UpstreamConnection] = []
        self.open_connections = 0
        self.waiting: deque[Waiter] = deque()
        # health state
        self.failures = 0
        self.down = False

    def __repr__(self) -> str:
        return f"Origin({self.url})"

    # pool

    def acquire(self, waiter: Waiter, connect_timeout: float) -> UpstreamConnection | None:
        """An idle connection now, or None and `waiter.upstream_ready` is called later."""
        idle = self.idle
        while idle:
            connection = idle.pop()
            if connection.is_usable():
                return connection
        if self.open_connections < self.settings.max_connections:
            self.open_connections += 1
            self._spawn(self._connect(waiter, connect_timeout))
        else:
            self.waiting.append(waiter)
        return None

    def release(self, connection: UpstreamConnection) -> None:
        while self.waiting:
            waiter = self.waiting.popleft()
            if waiter.wants_upstream():
                waiter.upstream_ready(connection)
                return
        if len(self.idle) < self.settings.max_idle and connection.is_usable():
            connection.idle_since = self.loop.time()
            self.idle.append(connection)
        else:
            connection.close()

    def forget(self, connection: UpstreamConnection) -> None:
        """A connection closed: free its slot, and let the next waiting exchange open a new one."""
        self.open_connections -= 1
        if connection in self.idle:
            self.idle.remove(connection)
        while self.waiting:
            waiter = self.waiting.popleft()
            if waiter.wants_upstream():
                self.open_connections += 1
                self._spawn(self._connect(waiter, waiter.connect_timeout))
                return

    def close_idle(self, older_than: float) -> None:
        for connection in [c for c in self.idle if c.idle_since < older_than]:
            connection.close()

    def cancel_waiting(self, waiter: Waiter) -> None:
        if waiter in self.waiting:
            self.waiting.remove(waiter)

    async def _connect(self, waiter: Waiter, timeout: float) -> None:
        try:
            _, connection = await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: UpstreamConnection(self),
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=self.host if self.tls else None,
                ),
                timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as error:
            self.open_connections -= 1
            self.record_failure()
            timed_out = isinstance(error, TimeoutError)
            if timed_out:
                reason = "timed out"
            elif isinstance(error, OSError) and error.errno:
                reason = os.strerror(error.errno).lower()
            else:
                reason = str(error)
            waiter.upstream_connect_failed(f"connecting to {self.url} failed: {reason}", timed_out)
            return
        if waiter.wants_upstream():
            waiter.upstream_ready(connection)
        else:
            self.release(connection)

    # health

    def record_success(self) -> None:
        self.failures = 0

    def record_failure(self) -> None:
        self.failures += 1
        if not self.down and self.failures >= self.settings.max_failures:
            self.down = True
            log.warning("origin %s is down after %d failures; probing it", self.url, self.failures)
            self._spawn(self._probe())

    async def _probe(self) -> None:
        while self.down:
            await asyncio.sleep(self.settings.probe_interval)
            try:
                transport, _ = await asyncio.wait_for(
                    self.loop.create_connection(asyncio.Protocol, self.host, self.port),
                    self.settings.probe_interval,
                )
            except (OSError, TimeoutError):
                continue
            transport.close()
            self.down = False
            self.failures = 0
            log.warning("origin %s answers again; back in rotation", self.url)

    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = self.loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class OriginRegistry:
    """Origins by URL, kept across snapshot changes so their warm pools survive a reload."""

    def __init__(self, settings: UpstreamSettings, loop: asyncio.AbstractEventLoop) -> None:
        self.settings = settings
        self.loop = loop
        self.origins: dict[tuple[str, bool], Origin] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        # Loading CA certificates takes milliseconds: two contexts serve every origin.
        self._contexts: dict[bool, ssl.SSLContext] = {}

    def get(self, url: str, verify_tls: bool) -> Origin:
        """The origin for `url`, created at its first use; its pool lasts across snapshots."""
        key = (url, verify_tls)
        origin = self.origins.get(key)
        if origin is None:
            context = None
            if url.startswith("https:"):
                context = self._contexts.get(verify_tls)
                if context is None:
                    context = self._contexts[verify_tls] = _client_context(verify_tls)
            origin = Origin(
                url, ssl_context=context, settings=self.settings, loop=self.loop, tasks=self.tasks
            )
            self.origins[key] = origin
        return origin

    def keep_only(self, used: set[tuple[str, bool]]) -> None:
        """Drop origins no zone uses any more, closing their idle connections (busy ones
        close when their exchange ends)."""
        for key in [key for key in self.origins if key not in used]:
            self.origins.pop(key).close_idle(float("inf"))

    def close_idle(self, older_than: float) -> None:
        for origin in self.origins.values():
            origin.close_idle(older_than)


def _client_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
