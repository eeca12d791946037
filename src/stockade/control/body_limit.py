"""Bounds on request bodies, so that no call, authorised or not, makes the control plane
hold a large body in memory: FastAPI reads and parses a JSON body before the route's
token check runs.

Most routes take small bodies (a zone, a notice of at most 100,000 characters): 1 MiB.
The three bulk routes take what their largest legitimate body needs. A body whose
Content-Length is over its bound is refused before it is read; a chunked one as soon as
what has arrived passes it. Both get the API's JSON 413.
"""

from __future__ import annotations

from typing import Final

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockade.control.errors import error_response

MiB: Final = 1024 * 1024
DEFAULT_LIMIT: Final = 1 * MiB
# (method, path prefix, path suffix) -> bytes.
_BULK: Final = (
    # 500 samples of up to 64 KiB of content each, and their metadata: about 33 MiB.
    ("POST", "/v1/edge/samples", "", 40 * MiB),
    # 500 posts of up to 20,000 characters, which JSON may write 6 bytes each (\uXXXX).
    ("POST", "/v1/watch/items", "", 64 * MiB),
    # A zone's rules and lists: up to 100,000 networks and 100,000 list items.
    ("PUT", "/v1/zones/", "/rules", 32 * MiB),
)


def body_limit(method: str, path: str) -> int:
    """The most bytes a request body may have on this route."""
    for bulk_method, prefix, suffix, limit in _BULK:
        if method == bulk_method and path.startswith(prefix) and path.endswith(suffix):
            return limit
    return DEFAULT_LIMIT


def too_large(path: str, limit: int) -> str:
    return (
        f"The request body is larger than the {limit:,} bytes {path} takes: send less in "
        "one call (fewer items, or the same items over several calls)."
    )


class BodyLimit:
    """ASGI middleware: refuses bodies over their route's bound with a 413."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = body_limit(scope["method"], path)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                response = error_response(413, too_large(path, limit))
                await response(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised into the route that reads the body, whose error handler
                    # answers with the API's JSON (FastAPI passes HTTPException on as is).
                    raise HTTPException(413, too_large(path, limit))
            return message

        await self.app(scope, limited, send)
