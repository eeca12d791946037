"""Public notices: the published explanation of an enforcement, and its safe rendering.

A notice body is Markdown written by staff but read by anyone. The HTML markdown-it makes
of it (inline HTML included) is cleaned with nh3 down to a short list of text tags: no
scripts (removed with their content), styles, event handlers or javascript: links, and no
images, which would let a third party see who reads the notice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session

from stockade.desk.errors import Invalid, NotFound
from stockade.store.models import EnforcementRecord, NoticeRecord

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_URL = 2000

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
    ["table", "strikethrough"]
)
_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
    *("em", "strong", "del", "s", "a", "ul", "ol", "li"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
# What a notice URL may contain: it ends up in an HTTP Link header and in an href.
_UNSAFE_URL = re.compile(r'[\x00-\x20\x7f<>"\\]')


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to put in a page as is."""
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def notice_path(notice_id: int) -> str:
    return f"/notices/{notice_id}"


def hosted_notice_url(public_base: str, notice_id: int) -> str:
    """The absolute URL of a notice on this control plane's public site."""
    return public_base.rstrip("/") + notice_path(notice_id)


def enforcement_notice_url(enforcement: EnforcementRecord, public_base: str) -> str:
    """Where the public reads why: the hosted notice, or the external URL given."""
    if enforcement.notice_id is not None:
        return hosted_notice_url(public_base, enforcement.notice_id)
    assert enforcement.notice_url is not None  # the one_notice constraint holds
    return enforcement.notice_url


def check_notice_url(url: str) -> str:
    """An external notice URL: absolute http(s), short, nothing that breaks a header."""
    url = url.strip()
    if (
        not url.startswith(("https://", "http://"))
        or len(url) > MAX_URL
        or _UNSAFE_URL.search(url)
        or len(url.split("://", 1)[1]) == 0
    ):
        raise Invalid(
            f"Notice URL '{url[:200]}' is not usable: give an absolute http(s) URL without "
            f"spaces, quotes or angle brackets, at most {MAX_URL} characters, such as "
            "https://provider.example/notices/2024-17."
        )
    return url


def create_notice(
    session: Session,
    *,
    title: str,
    body_markdown: str,
    basis: str,
    zone_name: str,
    hostnames: Sequence[str],
) -> NoticeRecord:
    title = title.strip()
    if not title:
        raise Invalid("The notice needs a title, such as 'Forum suspended: threats of violence'.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"The notice title has {len(title)} characters; {MAX_TITLE} at most.")
    if not body_markdown.strip():
        raise Invalid(
            "The notice needs a body: explain in Markdown what was decided, on what basis, "
            "and how to appeal."
        )
    if len(body_markdown) > MAX_BODY:
        raise Invalid(f"The notice body has {len(body_markdown)} characters; {MAX_BODY} at most.")
    notice = NoticeRecord(
        title=title,
        body_markdown=body_markdown,
        basis=basis,
        zone_name=zone_name,
        hostnames=list(hostnames),
    )
    session.add(notice)
    session.flush()
    return notice


def get_notice(session: Session, notice_id: int) -> NoticeRecord:
    notice = session.get(NoticeRecord, notice_id)
    if notice is None:
        raise NotFound(f"There is no notice {notice_id}: check the link.", notice=notice_id)
    return notice


def notice_enforcements(session: Session, notice_id: int) -> Sequence[EnforcementRecord]:
    """The enforcements a notice explains (to show whether they are still in force)."""
    return session.scalars(
        select(EnforcementRecord)
        .where(EnforcementRecord.notice_id == notice_id)
        .order_by(EnforcementRecord.id)
    ).all()
