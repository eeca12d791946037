"""The demo origin that `stockade up --demo` puts behind the edge."""

from __future__ import annotations

import asyncio

from stockade.demo import serve_demo_origin
from tests.support.ports import free_port


async def test_the_demo_origin_answers_with_the_path_and_request_id() -> None:
    port = free_port()
    server = await serve_demo_origin("127.0.0.1", port)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for path in (b"/a<b>", b"/second"):
            writer.write(
                b"GET " + path + b" HTTP/1.1\r\nHost: demo\r\nStockade-Request-Id: r-1\r\n\r\n"
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert b"<code>r-1</code>" in body
        assert b"&lt;b>" not in body and b"/second" in body
        writer.close()
    finally:
        server.close()
