from __future__ import annotations

import json

from stockade.edge.pages import ERRORS, Pages


def test_every_error_page_exists_in_three_formats_with_the_request_id() -> None:
    pages = Pages()
    for status, (title, message, source) in ERRORS.items():
        html = pages.error(status).page(b"text/html").body(b"abc123")
        assert html.startswith(b"<!doctype html>")
        assert b"abc123" in html
        assert title.encode() in html
        document = json.loads(pages.error(status).page(b"application/json").body(b"abc123"))
        assert document["status"] == status
        assert document["request_id"] == "abc123"
        assert document["message"] == message
        assert document["error_source"] == source
        text = pages.error(status).page(None).body(b"abc123")
        assert text.startswith(f"{status} {title}".encode())
        assert b"Request ID: abc123" in text


def test_html_escapes_the_message() -> None:
    html = Pages().error(502).page(b"text/html").body(b"id")
    assert b"The site&#39;s origin server" in html


def test_block_pages_carry_reason_notice_and_link_header() -> None:
    answer = Pages().block(
        status=451,
        reason="This site is blocked because it was used to threaten a person.",
        basis="emergency",
        notice_url="https://provider.example/notices/7",
        hostname="forum.example",
    )
    assert answer.status == 451
    assert answer.headers == b'link: <https://provider.example/notices/7>; rel="blocked-by"\r\n'
    html = answer.page(b"text/html").body(b"rid")
    assert b"451</span> Unavailable For Legal Reasons" in html
    assert b'href="https://provider.example/notices/7"' in html
    assert b"used to threaten a person" in html
    assert b"an emergency" in html
    document = json.loads(answer.page(b"application/json").body(b"rid"))
    assert document == {
        "status": 451,
        "error": "blocked",
        "reason": "This site is blocked because it was used to threaten a person.",
        "basis": "emergency",
        "notice_url": "https://provider.example/notices/7",
        "request_id": "rid",
    }
    text = answer.page(None).body(b"rid")
    assert b"Public notice: https://provider.example/notices/7" in text


def test_warning_pages_have_a_continue_link() -> None:
    answer = Pages().block(
        status=403,
        reason="Reports say this site hosts graphic violence.",
        basis="policy",
        notice_url="/notices/2",
        hostname="forum.example",
        continue_url="/.well-known/stockade/consent",
    )
    html = answer.page(b"text/html").body(b"rid")
    assert b'href="/.well-known/stockade/consent"' in html
    assert b"<h1>Warning</h1>" in html
