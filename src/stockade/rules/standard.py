"""The standard scheme: the fields of an HTTP request, as Cloudflare names them, and the
per-request values object they are read from.

`RequestValues` is built once per request and costs little to build: the fields most
rules never read (the header map, the cookie, the parsed address, the country and the
network, which take a database lookup) are worked out on first use and kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, Final

from stockade.rules.addresses import visitor_key
from stockade.rules.scheme import BOOL, INT, IP, STRING, Field, Scheme, Type, array_of, map_of


def decode_text(raw: bytes) -> str:
    """Lossless for any bytes, and the usual reading of the UTF-8 browsers send."""
    try:
        # Strict first: the same text when it succeeds, and a faster call.
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape")


# Header names as headers are looked up: decoded and lower-cased, kept since every
# request sends much the same few; emptied when it holds this many.
_KEPT_NAMES: Final = 1024
_names: Final[dict[bytes, str]] = {}


_wanted: Final[dict[str, bytes]] = {}


def wanted_name(name: str) -> bytes:
    """The bytes a raw header name is compared with, after bytes.lower(), to be `name`
    (lower case) once decoded and lower-cased; empty when that takes decoding: every
    character but the Kelvin sign (which gives k) lower-cases to a non-ASCII one, so
    only an ASCII name without k can be compared as bytes."""
    found = _wanted.get(name)
    if found is None:
        found = name.encode() if name.isascii() and "k" not in name else b""
        if len(_wanted) >= _KEPT_NAMES:
            _wanted.clear()
        _wanted[name] = found
    return found


def header_name(raw: bytes) -> str:
    found = _names.get(raw)
    if found is None:
        found = decode_text(raw).lower()
        if len(_names) >= _KEPT_NAMES:
            _names.clear()
        _names[raw] = found
    return found


# Where an address is: its country code and its autonomous system number ("" and 0 when
# unknown). The edge gives its databases' lookup; it runs only if a rule asks.
Locate = Callable[[str], tuple[str, int]]


class RequestValues:
    """One request, as rules see it. Headers are the raw (name, value) pairs in the
    order received, names in any case. Country and network come from `country` and `asn`
    when given, else from `locate` on first use."""

    __slots__ = (
        "_asn",
        "_cookie",
        "_country",
        "_header_map",
        "_ip_key",
        "_locate",
        "_referer",
        "_user_agent",
        "body_size",
        "host",
        "ip",
        "method",
        "path",
        "query",
        "raw_headers",
        "tls",
        "version",
    )

    def __init__(
        self,
        method: str = "GET",
        host: str = "",
        path: str = "/",
        query: str = "",
        version: str = "HTTP/1.1",
        raw_headers: Sequence[tuple[bytes, bytes]] = (),
        ip: str = "127.0.0.1",
        country: str | None = None,
        asn: int | None = None,
        tls: bool = False,
        body_size: int = 0,
        locate: Locate | None = None,
    ) -> None:
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.version = version
        # A list (the edge's is one already): the compiled build walks lists fastest.
        self.raw_headers: list[tuple[bytes, bytes]] = (
            raw_headers if isinstance(raw_headers, list) else list(raw_headers)
        )
        self.ip = ip
        self._country = country
        self._asn = asn
        self._locate = locate
        self.tls = tls
        self.body_size = body_size
        self._header_map: dict[str, list[str]] | None = None
        self._cookie: str | None = None
        # The first User-Agent and Referer, kept once read: many rules read them.
        self._user_agent: str | None = None
        self._referer: str | None = None
        self._ip_key: int | None = None

    @property
    def country(self) -> str:
        if self._country is None:
            self._where()
        assert self._country is not None
        return self._country

    @property
    def asn(self) -> int:
        if self._asn is None:
            self._where()
        assert self._asn is not None
        return self._asn

    def _where(self) -> None:
        country, asn = self._locate(self.ip) if self._locate is not None else ("", 0)
        if self._country is None:
            self._country = country
        if self._asn is None:
            self._asn = asn

    @property
    def uri(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def headers(self) -> dict[str, list[str]]:
        """Lower-cased name -> every value of that header, in order."""
        found = self._header_map
        if found is None:
            found = self._header_map = {}
            for header in self.raw_headers:
                found.setdefault(header_name(header[0]), []).append(decode_text(header[1]))
        return found

    def header_values(self, name: str) -> list[str] | None:
        """Every value of the header `name` (lower case), as `headers` holds them; None
        when there is none. Compiled rules call it for `http.request.headers["name"]`:
        it decodes only the headers of that name."""
        if self._header_map is not None:
            return self._header_map.get(name)
        values = self._raw_values(name, wanted_name(name))
        return None if values is None else [decode_text(value) for value in values]

    def _raw_values(self, name: str, wanted: bytes) -> list[bytes] | None:
        """The raw values of the header `name` (lower case) in order, None when none;
        `wanted` is wanted_name(name)."""
        found: list[bytes] | None = None
        size = len(wanted)
        # header[0], not `for key, value in`: the compiled build unpacks by iterating.
        for header in self.raw_headers:
            key = header[0]
            if size:
                if len(key) != size or key.lower() != wanted:
                    continue
            elif header_name(key) != name:
                continue
            if found is None:
                found = [header[1]]
            else:
                found.append(header[1])
        return found

    def _first(self, name: str, wanted: bytes) -> str:
        """The first value of the header `name` (lower case); empty when there is none."""
        values = self._raw_values(name, wanted)
        return "" if values is None else decode_text(values[0])

    @property
    def user_agent(self) -> str:
        found = self._user_agent
        if found is None:
            found = self._user_agent = self._first("user-agent", b"user-agent")
        return found

    @property
    def referer(self) -> str:
        found = self._referer
        if found is None:
            found = self._referer = self._first("referer", b"referer")
        return found

    @property
    def cookie(self) -> str:
        """Every Cookie header, joined as one would be (HTTP/2 splits them)."""
        found = self._cookie
        if found is None:
            cookies = []
            for header in self.raw_headers:
                key = header[0]
                if len(key) == 6 and key.lower() == b"cookie":
                    cookies.append(decode_text(header[1]))
            found = self._cookie = "; ".join(cookies)
        return found

    @property
    def ip_key(self) -> int:
        """The visitor's address as rules compare it; -1 (matching no range) if invalid."""
        found = self._ip_key
        if found is None:
            found = self._ip_key = visitor_key(self.ip)
        return found


def _attribute_field(
    name: str, type: Type, attribute: str, meaning: str, example: str, **more: Any
) -> Field:
    """A field that is an attribute of RequestValues."""
    return Field(name, type, attrgetter(attribute), meaning, example, attribute=attribute, **more)


STANDARD_SCHEME = Scheme(
    [
        _attribute_field(
            "http.host", STRING, "host", "The Host header, as sent.", '"forum.example"'
        ),
        _attribute_field(
            "http.request.method",
            STRING,
            "method",
            "The request method, in capitals.",
            '"POST"',
        ),
        _attribute_field(
            "http.request.uri",
            STRING,
            "uri",
            "The path and, after a ?, the query string.",
            '"/search?q=x"',
        ),
        _attribute_field(
            "http.request.uri.path",
            STRING,
            "path",
            "The path, as sent (not decoded).",
            '"/wp-login.php"',
        ),
        _attribute_field(
            "http.request.uri.query",
            STRING,
            "query",
            "The query string without the ?; empty when there is none.",
            '"q=x&page=2"',
        ),
        _attribute_field(
            "http.request.version", STRING, "version", "The HTTP version.", '"HTTP/1.1"'
        ),
        _attribute_field(
            "http.request.headers",
            map_of(array_of(STRING)),
            "headers",
            "Every header: lower-cased name -> its values, in the order received.",
            '{"accept": ["text/html"]}',
            lowercase_keys=True,
            index="header_values",
        ),
        _attribute_field(
            "http.user_agent",
            STRING,
            "user_agent",
            "The first User-Agent header; empty when there is none.",
            '"curl/8.5.0"',
        ),
        _attribute_field(
            "http.referer",
            STRING,
            "referer",
            "The first Referer header; empty when there is none.",
            '"https://forum.example/"',
        ),
        _attribute_field(
            "http.cookie",
            STRING,
            "cookie",
            'Every Cookie header, joined with "; "; empty when there is none.',
            '"session=abc; theme=dark"',
        ),
        _attribute_field(
            "ip.src", IP, "ip_key", "The visitor's IP address (v4 or v6).", "192.0.2.7"
        ),
        _attribute_field(
            "ip.src.country",
            STRING,
            "country",
            "The visitor's country, ISO 3166-1 two-letter code in capitals; empty when unknown.",
            '"FR"',
        ),
        _attribute_field(
            "ip.src.asnum",
            INT,
            "asn",
            "The visitor's autonomous system number; 0 when unknown.",
            "13335",
        ),
        _attribute_field(
            "ssl", BOOL, "tls", "True when the request came over TLS (HTTPS).", "true"
        ),
        _attribute_field(
            "http.request.body.size",
            INT,
            "body_size",
            "The request body's size in bytes, as announced by Content-Length (0 when none).",
            "1024",
        ),
    ]
)
