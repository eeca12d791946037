"""The standard scheme: the fields of an HTTP request, as Cloudflare names them, and the
per-request values object they are read from.

`RequestValues` is built once per request and costs little to build: the fields most
rules never read (the header map, the cookie, the parsed address, the country and the
network, which take a database lookup) are worked out on first use and kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

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
_KEPT_NAMES = 1024
_names: dict[bytes, str] = {}


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
        "_raw_by_name",
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
        self.raw_headers = raw_headers
        self.ip = ip
        self._country = country
        self._asn = asn
        self._locate = locate
        self.tls = tls
        self.body_size = body_size
        self._header_map: dict[str, list[str]] | None = None
        self._raw_by_name: dict[str, list[bytes]] | None = None
        self._cookie: str | None = None
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

    def _by_name(self) -> dict[str, list[bytes]]:
        """Lower-cased name -> the raw values of that header, in order; made on first use,
        so that reading one header decodes only its own values."""
        found = self._raw_by_name
        if found is None:
            found = self._raw_by_name = {}
            for name, value in self.raw_headers:
                key = header_name(name)
                values = found.get(key)
                if values is None:
                    found[key] = [value]
                else:
                    values.append(value)
        return found

    @property
    def headers(self) -> dict[str, list[str]]:
        """Lower-cased name -> every value of that header, in order."""
        found = self._header_map
        if found is None:
            found = self._header_map = {
                name: [decode_text(value) for value in values]
                for name, values in self._by_name().items()
            }
        return found

    def header_values(self, name: str) -> list[str] | None:
        """Every value of the header `name` (lower case), as `headers` holds them; None
        when there is none. Compiled rules call it for `http.request.headers["name"]`."""
        found = self._header_map
        if found is not None:
            return found.get(name)
        values = self._by_name().get(name)
        if values is None:
            return None
        return [decode_text(value) for value in values]

    def _first(self, name: str) -> str:
        """The first value of the header `name` (lower case); empty when there is none."""
        values = self._by_name().get(name)
        return "" if values is None else decode_text(values[0])

    @property
    def user_agent(self) -> str:
        return self._first("user-agent")

    @property
    def referer(self) -> str:
        return self._first("referer")

    @property
    def cookie(self) -> str:
        """Every Cookie header, joined as one would be (HTTP/2 splits them)."""
        found = self._cookie
        if found is None:
            found = self._cookie = "; ".join(
                decode_text(value) for key, value in self.raw_headers if key.lower() == b"cookie"
            )
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
