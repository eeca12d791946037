"""Render every page once, with a marker where the request id goes."""

from __future__ import annotations

from typing import NamedTuple

import jinja2
import msgspec

from stockade.edge.pages.negotiate import HTML, JSON, preferred_format

# (title, one sentence for the visitor, who is at fault)
ERRORS: dict[int, tuple[str, str, str]] = {
    400: (
        "Bad Request",
        "The request was malformed, so this edge closed the connection instead of passing it on.",
        "downstream",
    ),
    404: (
        "Site Not Found",
        "No site is served under this hostname here; check the address you typed.",
        "downstream",
    ),
    408: (
        "Request Timeout",
        "The request took too long to arrive, so the connection was closed.",
        "downstream",
    ),
    413: (
        "Content Too Large",
        "The request body is larger than this site accepts.",
        "downstream",
    ),
    414: (
        "URI Too Long",
        "The address requested is longer than this edge accepts.",
        "downstream",
    ),
    421: (
        "Misdirected Request",
        "This connection was opened for another site; open a new connection to this hostname.",
        "downstream",
    ),
    431: (
        "Request Header Fields Too Large",
        "The request headers are larger or more numerous than this edge accepts.",
        "downstream",
    ),
    500: (
        "Internal Error",
        "The edge failed while handling this request; try again, and report the request ID "
        "if it happens again.",
        "edge",
    ),
    502: (
        "Bad Gateway",
        "The site's origin server could not be reached or sent an invalid answer.",
        "upstream",
    ),
    503: (
        "Service Unavailable",
        "This edge is shutting down; try again in a moment.",
        "edge",
    ),
    504: (
        "Gateway Timeout",
        "The site's origin server did not answer in time.",
        "upstream",
    ),
}

_SOURCES = {
    "downstream": "error in the request",
    "upstream": "error at the origin server",
    "edge": "error at the edge",
}

# Cannot occur in a request id (hex) nor be escaped by HTML or JSON encoders.
_MARKER = "@@stockade-request-id@@"
_CONTENT_TYPES = (
    b"text/html; charset=utf-8",
    b"application/json",
    b"text/plain; charset=utf-8",
)


class Page(NamedTuple):
    content_type: bytes
    before_id: bytes
    after_id: bytes

    def body(self, request_id: bytes) -> bytes:
        return self.before_id + request_id + self.after_id


class Pages:
    """Every error page in the three formats, ready to send."""

    def __init__(self) -> None:
        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("stockade.edge.pages", "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
            keep_trailing_newline=True,
        )
        html = environment.get_template("error.html")
        text = environment.get_template("error.txt")
        self._pages: dict[int, tuple[Page, Page, Page]] = {}
        for status, (title, message, source) in ERRORS.items():
            fields = {
                "status": status,
                "title": title,
                "message": message,
                "source": _SOURCES[source],
                "request_id": _MARKER,
            }
            rendered = (
                html.render(fields),
                msgspec.json.encode({**fields, "error_source": source}).decode(),
                text.render(fields),
            )
            self._pages[status] = tuple(  # type: ignore[assignment]
                Page(content_type, *_split(body))
                for content_type, body in zip(_CONTENT_TYPES, rendered, strict=True)
            )

    def page(self, status: int, accept: bytes | None) -> Page:
        return self._pages[status][preferred_format(accept)]


def _split(rendered: str) -> tuple[bytes, bytes]:
    before, marker, after = rendered.encode().partition(_MARKER.encode())
    if not marker:
        raise ValueError("a page template lost its request id")
    return before, after


__all__ = ["ERRORS", "HTML", "JSON", "Page", "Pages"]
