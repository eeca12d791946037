"""A request context as the edge makes one, for tests of what reads it (logs, metrics)."""

from __future__ import annotations

from stockade.edge.lifecycle import RequestContext


def request_context(
    *,
    url: bytes = b"/",
    host: bytes = b"forum.example",
    client_ip: str = "192.0.2.1",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> RequestContext:
    return RequestContext(
        request_id=b"abc",
        method=b"GET",
        url=url,
        http_version="1.1",
        host=host,
        headers=headers or [],
        client_ip=client_ip,
        scheme=b"http",
        started=0.0,
    )
