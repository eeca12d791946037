"""A tiny origin for trying Stockade out: it answers every request with a small page."""

from __future__ import annotations

import asyncio

import httptools

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo site</title></head>
<body><h1>Demo site</h1>
<p>This page comes from the demo origin, through the Stockade edge.</p>
<p>You asked for <code>{path}</code>; the edge tagged the request <code>{request_id}</code>.</p>
</body></html>
"""


class DemoOrigin(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.request_id = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_message_begin(self) -> None:
        self.url = b""
        self.request_id = b""

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"stockade-request-id":
            self.request_id = value

    def on_message_complete(self) -> None:
        assert self.transport is not None
        body = _PAGE.format(
            path=self.url.decode("latin-1").replace("<", "&lt;"),
            request_id=self.request_id.decode("latin-1"),
        ).encode()
        self.transport.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        if not self.parser.should_keep_alive():
            self.transport.close()


async def serve_demo_origin(host: str, port: int) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(DemoOrigin, host, port)
