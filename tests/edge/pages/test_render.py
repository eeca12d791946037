from __future__ import annotations

import json

from stockade.edge.pages import ERRORS, Pages


def test_every_error_page_exists_in_three_formats_with_the_request_id() -> None:
    pages = Pages()
    for status, (title, message, source) in ERRORS.items():
        html = pages.page(status, b"text/html").body(b"abc123")
        assert html.startswith(b"<!doctype html>")
        assert b"abc123" in html
        assert title.encode() in html
        document = json.loads(pages.page(status, b"application/json").body(b"abc123"))
        assert document["status"] == status
        assert document["request_id"] == "abc123"
        assert document["message"] == message
        assert document["error_source"] == source
        text = pages.page(status, None).body(b"abc123")
        assert text.startswith(f"{status} {title}".encode())
        assert b"Request ID: abc123" in text


def test_html_escapes_the_message() -> None:
    html = Pages().page(502, b"text/html").body(b"id")
    assert b"The site&#39;s origin server" in html
