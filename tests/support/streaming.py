"""Large bodies at constant memory: an origin that counts what it is sent and streams what it
is asked for, a matching client, and a sampler of the edge's resident memory.

Bodies are a pattern of 1 MiB pieces, each stamped with its index, so a CRC-32 over the
bytes catches lost, repeated, reordered or corrupted pieces on either side.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import uvloop

from tests.support.ports import free_port

PIECE = 1 << 20


def pieces(total: int) -> Iterator[bytearray]:
    """The body pattern: `total` bytes in 1 MiB pieces (one buffer, restamped each time:
    use each piece before asking for the next)."""
    buffer = bytearray(bytes(range(256)) * (PIECE // 256))
    sent = 0
    index = 0
    while sent < total:
        buffer[:8] = index.to_bytes(8, "big")
        size = min(PIECE, total - sent)
        yield buffer if size == PIECE else buffer[:size]
        sent += size
        index += 1


def pattern_crc(total: int) -> int:
    crc = 0
    for piece in pieces(total):
        crc = zlib.crc32(piece, crc)
    return crc


@dataclass
class StreamingOrigin:
    """`POST /upload` answers `<bytes> <crc32>` of the body it read (Content-Length or
    chunked), and `POST /late/<seconds>` starts reading it that late; `GET /download/<n>`
    sends n pattern bytes, waiting for each write to drain; `GET /slow/<seconds>` answers
    after that long; `GET /upgrade` switches protocols and then never reads."""

    port: int = field(default_factory=free_port)
    connections: int = 0

    def __post_init__(self) -> None:
        self._loop = uvloop.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the streaming origin did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, limit=1 << 16)
        )
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                if method == "POST":
                    if target.startswith("/late/"):
                        await asyncio.sleep(float(target.rsplit("/", 1)[1]))
                    size, crc = await _read_body(reader, headers)
                    body = f"{size} {crc}".encode()
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
                    )
                    await writer.drain()
                elif target.startswith("/download/"):
                    total = int(target.rsplit("/", 1)[1])
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % total)
                    for piece in pieces(total):
                        writer.write(bytes(piece))
                        await writer.drain()
                elif target == "/upgrade":
                    writer.write(
                        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                        b"Upgrade: websocket\r\n\r\n"
                    )
                    await writer.drain()
                    # Never read what the visitor sends: its bytes pile up upstream.
                    await asyncio.sleep(60)
                    return
                else:
                    if target.startswith("/slow/"):
                        await asyncio.sleep(float(target.rsplit("/", 1)[1]))
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[int, int]:
    size = 0
    crc = 0
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            line = await reader.readuntil(b"\r\n")
            length = int(line.split(b";", 1)[0], 16)
            if length == 0:
                await reader.readuntil(b"\r\n")  # no trailers are sent
                return size, crc
            while length:
                data = await reader.read(min(length, PIECE))
                if not data:
                    raise asyncio.IncompleteReadError(b"", length)
                size += len(data)
                crc = zlib.crc32(data, crc)
                length -= len(data)
            await reader.readexactly(2)
    remaining = int(headers.get("content-length", "0"))
    while remaining:
        data = await reader.read(min(remaining, PIECE))
        if not data:
            raise asyncio.IncompleteReadError(b"", remaining)
        size += len(data)
        crc = zlib.crc32(data, crc)
        remaining -= len(data)
    return size, crc


class RssSampler:
    """Samples a process's resident memory (VmRSS) in the background; `peak` is the most
    seen, `baseline` what it was when sampling began."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.baseline = self.sample()
        self.peak = self.baseline
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {self.pid}")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, self.sample())
            except (OSError, RuntimeError):
                return
            self.samples += 1

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def upload(
    port: int,
    host: str,
    total: int,
    *,
    chunked: bool,
    timeout: float = 60.0,
    path: str = "/upload",
) -> bytes:
    """POST `total` pattern bytes; return the raw response (read until the edge closes it,
    the request says Connection: close)."""
    framing = b"transfer-encoding: chunked" if chunked else b"content-length: %d" % total
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(
            b"POST %s HTTP/1.1\r\nhost: %s\r\n%s\r\nconnection: close\r\n\r\n"
            % (path.encode(), host.encode(), framing)
        )
        deadline = time.monotonic() + timeout
        for piece in pieces(total):
            if time.monotonic() > deadline:
                raise TimeoutError("upload took too long")
            if chunked:
                _send_all(sock, [b"%x\r\n" % len(piece), piece, b"\r\n"])
            else:
                sock.sendall(piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        return _read_to_end(sock, deadline)


def _send_all(sock: socket.socket, parts: list[bytes | bytearray]) -> None:
    # sendmsg avoids copying each piece into one buffer; it may send only part of them.
    views = [memoryview(part) for part in parts]
    while views:
        sent = sock.sendmsg(views)
        while views and sent >= len(views[0]):
            sent -= len(views[0])
            views.pop(0)
        if views and sent:
            views[0] = views[0][sent:]


def _read_to_end(sock: socket.socket, deadline: float) -> bytes:
    received = bytearray()
    while time.monotonic() < deadline:
        data = sock.recv(65536)
        if not data:
            return bytes(received)
        received += data
    raise TimeoutError("the edge did not finish the response in time")


@dataclass
class Download:
    status_line: bytes
    head: bytes
    size: int
    crc: int


def download(
    port: int, host: str, total: int, *, timeout: float = 60.0, stall: float = 0.0
) -> Download:
    """GET `total` pattern bytes, counting and checksumming them as they arrive; `stall`
    seconds without reading first, as a visitor that does not keep up."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.sendall(
            b"GET /download/%d HTTP/1.1\r\nhost: %s\r\nconnection: close\r\n\r\n"
            % (total, host.encode())
        )
        time.sleep(stall)
        deadline = time.monotonic() + timeout
        buffer = bytearray(PIECE)
        view = memoryview(buffer)
        received = bytearray()
        while b"\r\n\r\n" not in received:
            count = sock.recv_into(buffer)
            if not count:
                raise ConnectionError(f"closed before the response head: {bytes(received)!r}")
            received += view[:count]
        head, _, rest = bytes(received).partition(b"\r\n\r\n")
        size = len(rest)
        crc = zlib.crc32(rest)
        while time.monotonic() < deadline:
            count = sock.recv_into(buffer)
            if not count:
                return Download(head.split(b"\r\n", 1)[0], head, size, crc)
            size += count
            crc = zlib.crc32(view[:count], crc)
        raise TimeoutError(f"download took too long ({size} bytes received)")
