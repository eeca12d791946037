"""Notices: Markdown rendered safely, URLs that cannot break a header or a page."""

from __future__ import annotations

import pytest

from stockade.desk import Invalid, NotFound
from stockade.desk.notices import (
    check_notice_url,
    create_notice,
    get_notice,
    hosted_notice_url,
    render_markdown,
)
from stockade.store import Database


def test_markdown_becomes_html() -> None:
    html = render_markdown(
        "# Why\n\nThe forum hosted **threats**; see [policy](https://p.example)."
    )
    assert "<h1>Why</h1>" in html
    assert "<strong>threats</strong>" in html
    assert '<a href="https://p.example" rel="noopener noreferrer nofollow">policy</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "text <script>alert(1)</script> more",
        '<img src="https://tracker.example/t.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        '<p onclick="alert(1)">x</p>',
        "<style>body{display:none}</style>",
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_scripts_styles_handlers_and_images_are_stripped(source: str) -> None:
    html = render_markdown(source).lower()
    for needle in (
        "<script",
        "alert(1)</",
        "<img",
        'href="javascript',
        "onclick",
        "<style",
        "<iframe",
    ):
        assert needle not in html, html


def test_hosted_notice_urls_are_absolute() -> None:
    assert hosted_notice_url("https://control.example/", 7) == "https://control.example/notices/7"


@pytest.mark.parametrize(
    "url",
    ["ftp://x.example/n", "/notices/1", "https://x.example/a b", 'https://x.example/"', "https://"],
)
def test_unusable_notice_urls_are_refused(url: str) -> None:
    with pytest.raises(Invalid, match="Notice URL"):
        check_notice_url(url)


def test_a_notice_url_is_trimmed() -> None:
    assert check_notice_url(" https://p.example/n/1 ") == "https://p.example/n/1"


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("", "body", "needs a title"),
        ("T" * 201, "body", "at most"),
        ("Title", " \n", "needs a body"),
    ],
)
def test_malformed_notices_are_refused(
    database: Database, title: str, body: str, expected: str
) -> None:
    with pytest.raises(Invalid, match=expected), database.write() as session:
        create_notice(
            session,
            title=title,
            body_markdown=body,
            basis="policy",
            zone_name="forum",
            hostnames=["forum.example"],
        )


def test_a_notice_is_stored_and_found(database: Database) -> None:
    with database.write() as session:
        notice = create_notice(
            session,
            title=" Forum suspended ",
            body_markdown="Because.",
            basis="emergency",
            zone_name="forum",
            hostnames=["forum.example"],
        )
        notice_id = notice.id
    with database.read() as session:
        found = get_notice(session, notice_id)
        assert (found.title, found.hostnames) == ("Forum suspended", ["forum.example"])
        with pytest.raises(NotFound):
            get_notice(session, notice_id + 1)
