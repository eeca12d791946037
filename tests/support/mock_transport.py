"""A transport that records what is written, for protocol tests without sockets."""

from __future__ import annotations

import asyncio
from typing import Any


class MockTransport(asyncio.Transport):
    def __init__(self, peer: tuple[str, int] = ("203.0.113.7", 40000)) -> None:
        super().__init__()
        self.peer = peer
        self.written: list[bytes] = []
        self.closed = False
        self.aborted = False
        self.eof_written = False
        self.can_shut_one_side = True  # False: as a TLS transport
        self.buffered = 0  # what get_write_buffer_size says
        self.reading = True
        self.protocol: asyncio.BaseProtocol | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed and not self.eof_written, "write after the end"
        self.written.append(bytes(data))

    def data(self) -> bytes:
        return b"".join(self.written)

    def take(self) -> bytes:
        data = self.data()
        self.written.clear()
        return data

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def can_write_eof(self) -> bool:
        return self.can_shut_one_side

    def write_eof(self) -> None:
        self.eof_written = True

    @property
    def ended(self) -> bool:
        """The edge ended the connection: closed it, or shut its side to linger."""
        return self.closed or self.eof_written

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.protocol is not None:
                # As a real transport would, report the loss once the buffer is gone.
                self.protocol.connection_lost(None)

    def abort(self) -> None:
        self.aborted = True
        self.close()

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def is_reading(self) -> bool:
        return self.reading
