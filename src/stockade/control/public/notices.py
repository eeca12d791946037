"""The public notice page, /notices/{id}: what was decided, when, on what basis, and why.

Anyone can read it (block pages link to it), so it needs no token, loads nothing from
elsewhere, and forbids scripts outright (Content-Security-Policy) on top of the
sanitising of its Markdown body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from stockade.control.state import ControlState, control_state
from stockade.desk.errors import NotFound
from stockade.desk.notices import get_notice, notice_enforcements, render_markdown
from stockade.store.models import utcnow

router = APIRouter(tags=["public"])

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
)
_BASIS = {
    "legal": ("Legal order", "a court or another authority ordered it."),
    "policy": ("Policy", "the site broke the provider's published terms."),
    "emergency": ("Emergency", "an imminent threat to someone's life or safety."),
}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(
    notice_id: int, state: Annotated[ControlState, Depends(control_state)]
) -> HTMLResponse:
    """The public notice as a web page."""
    try:
        with state.database.read() as session:
            notice = get_notice(session, notice_id)
            enforcements = notice_enforcements(session, notice_id)
    except NotFound:
        return HTMLResponse(
            "<!doctype html><title>No such notice</title><h1>No such notice</h1>"
            f"<p>There is no notice {notice_id}: check the link.</p>",
            status_code=404,
            headers=HEADERS,
        )
    now = utcnow()
    lifted = [record.lifted_at for record in enforcements if record.lifted_at is not None]
    if any(record.is_active(now) for record in enforcements):
        status = "In force."
    elif lifted:
        status = f"Lifted {max(lifted):%Y-%m-%d %H:%M UTC}."
    else:
        status = "Ended."
    label, meaning = _BASIS[notice.basis]
    html = _templates.get_template("notice.html").render(
        notice=notice,
        basis_label=label,
        basis_meaning=meaning,
        status=status,
        body_html=render_markdown(notice.body_markdown),
    )
    return HTMLResponse(html, headers=HEADERS)
