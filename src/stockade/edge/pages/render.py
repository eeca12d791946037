"""Render every page once, with a marker where the request id goes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import jinja2
import msgspec

from stockade.edge.http11 import PHRASES
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
    405: (
        "Method Not Allowed",
        "This edge does not tunnel CONNECT requests; it only serves the sites behind it.",
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
    429: (
        "Too Many Requests",
        "You sent this site more requests than it allows in a short time; wait as long as "
        "Retry-After says, then try again.",
        "rate_limit",
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
    504: (
        "Gateway Timeout",
        "The site's origin server did not answer in time.",
        "upstream",
    ),
}

_SOURCES = {
    "firewall": "blocked by the site's firewall rules",
    "rate_limit": "limited by the site's rate limits",
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


class FixedPage(Page):
    """A page written by a site's owner, served as written: no request id goes in."""

    def body(self, request_id: bytes) -> bytes:
        return self.before_id


class Answer(NamedTuple):
    """A response the edge gives itself: status, extra header lines, a page per format."""

    status: int
    headers: bytes
    pages: tuple[Page, Page, Page]

    def page(self, accept: bytes | None) -> Page:
        return self.pages[preferred_format(accept)]


_NO_PAGE = Page(b"", b"", b"")
# Returned by a phase that will answer later (it calls `RequestContext.resume`); never sent.
WAIT = Answer(0, b"", (_NO_PAGE, _NO_PAGE, _NO_PAGE))

_SEE_OTHER = Page(
    b"text/plain; charset=utf-8", b"Continue at the Location given. Request ID: ", b"\n"
)


def redirect(headers: bytes) -> Answer:
    """A 303 See Other; `headers` holds its Location line (and any Set-Cookie)."""
    return Answer(303, headers, (_SEE_OTHER, _SEE_OTHER, _SEE_OTHER))


BLOCK_TITLES = {451: "Unavailable For Legal Reasons", 403: "Forbidden"}
_BASIS_WORDS = {
    "legal": "a legal order",
    "policy": "the provider's policy",
    "emergency": "an emergency",
}


class Pages:
    """Renders every page the edge answers with; each one once, never per request."""

    def __init__(self) -> None:
        self.environment = jinja2.Environment(
            loader=jinja2.PackageLoader("stockade.edge.pages", "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
            keep_trailing_newline=True,
        )
        self._errors = {
            status: self._render_error(status, title, message, source)
            for status, (title, message, source) in ERRORS.items()
        }
        self._firewall: dict[int, Answer] = {}
        # Access rules are the site owner's security decision, not an enforcement: the
        # page names no notice, and no network or rule, which would help to get round it.
        denied = {
            "status": 403,
            "title": "Access Denied",
            "message": "The owner of this site has blocked visitors from your network. If you "
            "think this is a mistake, contact the site's owner and give them the request ID.",
            "source": "a rule set by the site's owner",
            "request_id": _MARKER,
        }
        self.access_denied = Answer(
            403, b"", self._render("error", denied, {**denied, "error": "access_denied"})
        )

    def error(self, status: int) -> Answer:
        return self._errors[status]

    def firewall_block(self, status: int) -> Answer:
        """The page of a request a firewall rule blocked with `status` (400-499)."""
        answer = self._firewall.get(status)
        if answer is None:
            title = PHRASES.get(status, "Blocked")
            message = "The site's firewall rules do not let this request through."
            answer = self._firewall[status] = self._render_error(status, title, message, "firewall")
        return answer

    def _render_error(self, status: int, title: str, message: str, source: str) -> Answer:
        fields = {
            "status": status,
            "title": title,
            "message": message,
            "source": _SOURCES[source],
            "request_id": _MARKER,
        }
        return Answer(
            status,
            b"",
            self._render("error", fields, {**fields, "error_source": source}),
        )

    def block(
        self,
        *,
        status: int,
        reason: str,
        basis: str,
        notice_url: str,
        hostname: str,
        continue_url: str | None = None,
    ) -> Answer:
        """A block page (or, with `continue_url`, a warning with a continue button)."""
        fields = {
            "status": status,
            "title": "Warning" if continue_url else BLOCK_TITLES[status],
            "reason": reason,
            "basis": _BASIS_WORDS.get(basis, basis),
            "notice_url": notice_url,
            "hostname": hostname,
            "continue_url": continue_url,
            "request_id": _MARKER,
        }
        document = {
            "status": status,
            "error": "interstitial" if continue_url else "blocked",
            "reason": reason,
            "basis": basis,
            "notice_url": notice_url,
            "request_id": _MARKER,
        }
        if continue_url:
            document["continue_url"] = continue_url
        headers = b'link: <%s>; rel="blocked-by"\r\n' % notice_url.encode()
        return Answer(status, headers, self._render("block", fields, document))

    def challenge(
        self,
        *,
        difficulty: int,
        token: str,
        verify_url: str,
        return_to: str,
        noscript_wait: int | None,
    ) -> Answer:
        """The proof-of-work page, with markers where each request's token and return path
        go (edge/challenge.py fills them in)."""
        message = (
            "This site checks that visitors are browsers before it serves them; "
            "this page does that by itself and then takes you on."
        )
        rounds, initial = _sha256_constants()
        fields = {
            "status": 403,
            "title": "Checking your browser",
            "message": message,
            "difficulty": difficulty,
            "token": token,
            "verify_url": verify_url,
            "return_to": return_to,
            "noscript_wait": noscript_wait,
            "sha256_rounds": ",".join(str(value) for value in rounds),
            "sha256_initial": ",".join(str(value) for value in initial),
            "request_id": _MARKER,
        }
        document = {
            "status": 403,
            "error": "challenge",
            "message": "This site lets only browsers in after a check that needs JavaScript: "
            "open it in a web browser.",
            "request_id": _MARKER,
        }
        return Answer(403, b"", self._render("challenge", fields, document))

    def _render(
        self, name: str, fields: Mapping[str, object], document: Mapping[str, object]
    ) -> tuple[Page, Page, Page]:
        rendered = (
            self.environment.get_template(f"{name}.html").render(fields),
            msgspec.json.encode(document).decode(),
            self.environment.get_template(f"{name}.txt").render(fields),
        )
        html, json, text = (
            Page(content_type, *_split(body))
            for content_type, body in zip(_CONTENT_TYPES, rendered, strict=True)
        )
        return html, json, text


def _sha256_constants() -> tuple[list[int], list[int]]:
    """SHA-256's round constants and initial hash (FIPS 180-4): the first 32 bits of the
    fractional parts of the cube roots of the first 64 primes, and of the square roots of
    the first 8, in exact integer arithmetic, as signed 32-bit values for JavaScript."""
    primes = [n for n in range(2, 312) if all(n % d for d in range(2, int(n**0.5) + 1))]

    def root(value: int, power: int) -> int:
        # The integer `power`-th root, by Newton's method on integers.
        guess = 1 << (value.bit_length() // power + 1)
        while True:
            better = ((power - 1) * guess + value // guess ** (power - 1)) // power
            if better >= guess:
                return guess
            guess = better

    def signed(value: int) -> int:
        value &= 0xFFFFFFFF
        return value - (1 << 32) if value >= 1 << 31 else value

    rounds = [signed(root(prime << 96, 3)) for prime in primes[:64]]
    initial = [signed(root(prime << 64, 2)) for prime in primes[:8]]
    return rounds, initial


def _split(rendered: str) -> tuple[bytes, bytes]:
    before, marker, after = rendered.encode().partition(_MARKER.encode())
    if not marker:
        raise ValueError("a page template lost its request id")
    return before, after


__all__ = ["ERRORS", "HTML", "JSON", "WAIT", "Answer", "FixedPage", "Page", "Pages", "redirect"]
