"""A real WebSocket echo server (the `websockets` package) in a background thread."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection, serve

from tests.support.ports import free_port


@dataclass
class WebSocketEchoOrigin:
    """Echoes every message back; `request_headers` keeps the handshake headers it saw."""

    port: int = field(default_factory=free_port)
    request_headers: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the WebSocket origin did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _echo(self, connection: ServerConnection) -> None:
        self.request_headers.append(
            {name.lower(): value for name, value in connection.request.headers.raw_items()}
        )
        async for message in connection:
            await connection.send(message)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = self._loop.create_future()
        async with serve(self._echo, "127.0.0.1", self.port):
            self._ready.set()
            await self._stop

    def close(self) -> None:
        def stop() -> None:
            if self._stop is not None and not self._stop.done():
                self._stop.set_result(None)

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(5)
