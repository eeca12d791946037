from __future__ import annotations

import pytest

from stockade.edge.pages import HTML, JSON, TEXT, preferred_format


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, TEXT),
        (b"", TEXT),
        (b"*/*", TEXT),
        (b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),
        (b"application/json", JSON),
        (b"application/vnd.api+json", JSON),
        (b"text/html;q=0.5, application/json", JSON),
        (b"application/json;q=0, text/plain", TEXT),
        (b"application/json, text/html", JSON),
        (b"text/html;q=bogus, text/plain;q=0.1", TEXT),
    ],
)
def test_accept_picks_a_format(accept: bytes | None, expected: int) -> None:
    assert preferred_format(accept) == expected
