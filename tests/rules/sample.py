"""One request the rules tests run against, and a helper that runs a rule on it."""

from __future__ import annotations

from typing import Any

from stockade.rules import RequestValues, compile

HEADERS = [
    (b"Host", b"forum.example"),
    (b"User-Agent", b"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"),
    (b"Accept", b"text/html"),
    (b"accept", b"application/json"),
    (b"Referer", b"https://forum.example/threads/12"),
    (b"Cookie", b"session=abc"),
    (b"Cookie", b"theme=dark"),
    (b"X-Empty", b""),
]


def request(**overrides: Any) -> RequestValues:
    """A POST to https://forum.example/wp-login.php?next=%2Fadmin from 192.0.2.7 (FR)."""
    fields: dict[str, Any] = {
        "method": "POST",
        "host": "forum.example",
        "path": "/wp-login.php",
        "query": "next=%2Fadmin",
        "version": "HTTP/1.1",
        "raw_headers": HEADERS,
        "ip": "192.0.2.7",
        "country": "FR",
        "asn": 64500,
        "tls": True,
        "body_size": 512,
    }
    fields.update(overrides)
    return RequestValues(**fields)


def run(expression: str, lists: dict[str, list[Any]] | None = None, **overrides: Any) -> bool:
    """Compile `expression` and run it on the sample request, changed by `overrides`."""
    return compile(expression, lists=lists).matches(request(**overrides))
