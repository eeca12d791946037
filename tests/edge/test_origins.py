"""Origin pools and passive health, against real sockets on loopback."""

from __future__ import annotations

import asyncio
import socket

from stockade.edge.config import UpstreamSettings
from stockade.edge.origins import OriginRegistry
from stockade.edge.upstream import UpstreamConnection
from tests.support.ports import free_port


class Waiter:
    """Stands where an exchange waits for a connection."""

    def __init__(self) -> None:
        self.connection: UpstreamConnection | None = None
        self.failure: tuple[str, bool] | None = None
        self.connect_timeout = 1.0
        self.event = asyncio.Event()

    def wants_upstream(self) -> bool:
        return self.connection is None and self.failure is None

    def upstream_ready(self, connection: UpstreamConnection) -> None:
        self.connection = connection
        self.event.set()

    def upstream_connect_failed(self, message: str, timed_out: bool) -> None:
        self.failure = (message, timed_out)
        self.event.set()


async def test_connections_are_opened_reused_and_capped() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    try:
        registry = OriginRegistry(
            UpstreamSettings(max_connections=1, max_idle=1), asyncio.get_running_loop()
        )
        origin = registry.get(f"http://127.0.0.1:{port}", True)
        first, second = Waiter(), Waiter()
        assert origin.acquire(first, 1.0) is None
        await asyncio.wait_for(first.event.wait(), 2)
        assert first.connection is not None and origin.open_connections == 1
        # The cap is reached: the next one waits until a connection is released.
        assert origin.acquire(second, 1.0) is None
        assert second.connection is None
        origin.release(first.connection)
        assert second.connection is first.connection
        origin.release(second.connection)
        assert origin.idle == [first.connection]
        # An idle connection is handed out at once.
        assert origin.acquire(Waiter(), 1.0) is first.connection
        first.connection.close()
        await asyncio.sleep(0.05)
        assert origin.open_connections == 0
    finally:
        listener.close()


async def test_an_origin_goes_down_after_failures_and_is_probed_back() -> None:
    port = free_port()
    registry = OriginRegistry(
        UpstreamSettings(max_failures=2, probe_interval=0.05), asyncio.get_running_loop()
    )
    origin = registry.get(f"http://127.0.0.1:{port}", True)
    for _ in range(2):
        waiter = Waiter()
        origin.acquire(waiter, 1.0)
        await asyncio.wait_for(waiter.event.wait(), 2)
        assert waiter.failure is not None and "connection refused" in waiter.failure[0]
    assert origin.down
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen(4)
    try:
        for _ in range(100):
            if not origin.down:
                break
            await asyncio.sleep(0.02)
        assert not origin.down and origin.failures == 0
    finally:
        listener.close()


async def test_origins_no_zone_uses_are_dropped() -> None:
    registry = OriginRegistry(UpstreamSettings(), asyncio.get_running_loop())
    kept = registry.get("http://10.0.0.1", True)
    registry.get("https://10.0.0.2", False)
    assert registry.get("http://10.0.0.1", True) is kept
    registry.keep_only({("http://10.0.0.1", True)})
    assert list(registry.origins) == [("http://10.0.0.1", True)]
    https = registry.get("https://10.0.0.3", True)
    again = registry.get("https://10.0.0.4", True)
    assert https.ssl_context is again.ssl_context  # one CA store load for all
