from __future__ import annotations

import re

from stockade.edge.http11 import DateHeader, chunk, connection_tokens, status_line


def test_status_lines() -> None:
    assert status_line(200) == b"HTTP/1.1 200 OK\r\n"
    assert status_line(451) == b"HTTP/1.1 451 Unavailable For Legal Reasons\r\n"
    assert status_line(299) == b"HTTP/1.1 299 Unknown\r\n"


def test_chunk_and_connection_tokens() -> None:
    assert b"".join(chunk(b"x" * 26)) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert connection_tokens(b"Keep-Alive, X-Secret ,,") == {b"keep-alive", b"x-secret"}


def test_date_header_is_an_http_date() -> None:
    line = DateHeader().line()
    assert re.fullmatch(rb"date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n", line)
