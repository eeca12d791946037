"""A bound on request bodies, so that no call, authorised or not, makes the control plane
hold more than MAX_BODY bytes of one body in memory.

A body whose Content-Length is over the bound is refused before it is read; a chunked one
is refused as soon as what has arrived passes it. Both get the API's JSON 413.
"""

from __future__ import annotations

from typing import Final

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockade.control.errors import error_response

# The biggest legitimate bodies are a full batch of edge samples (500 x 64 KiB of content,
# about 33 MiB) and 500 pushed posts of 20,000 characters each.
MAX_BODY: Final = 64 * 1024 * 1024


def too_large(path: str, limit: int) -> str:
    return (
        f"The request body is larger than the {limit:,} bytes {path} takes: send less in "
        "one call (fewer items, or the same items over several calls)."
    )


class BodyLimit:
    """ASGI middleware: refuses bodies over `limit` bytes with a 413."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                response = error_response(413, too_large(path, self.limit))
                await response(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised into the route that reads the body, whose error handler
                    # answers with the API's JSON (FastAPI passes HTTPException on as is).
                    raise HTTPException(413, too_large(path, self.limit))
            return message

        await self.app(scope, limited, send)
