"""The public notice page: readable by anyone, Markdown rendered safely, no scripts."""

from __future__ import annotations

from tests.control.conftest import Control

BODY = """# Why this forum is suspended

Posts here threatened **a named person** with violence.

<script>alert('stolen')</script>
<img src="https://tracker.example/pixel.png">

[appeal](https://provider.example/appeal) <a href="javascript:alert(1)">click</a>
"""


def _block(control: Control, body: str = BODY) -> int:
    control.add_zone("forum", "forum.example", "www.forum.example")
    response = control.client.post(
        "/v1/zones/forum/enforcements",
        json={
            "basis": "emergency",
            "reason": "Threats against a person.",
            "notice": {"title": "Forum <suspended>", "body_markdown": body},
        },
        headers=control.auth(),
    )
    notice_id: int = response.json()["enforcement"]["notice_id"]
    return notice_id


def test_the_page_shows_title_date_basis_site_and_body(control: Control) -> None:
    notice_id = _block(control)
    response = control.client.get(f"/notices/{notice_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>Forum &lt;suspended&gt;</title>" in page
    assert "<h1>Why this forum is suspended</h1>" in page
    assert "<strong>a named person</strong>" in page
    assert "Emergency" in page and "forum.example, www.forum.example" in page
    assert "In force." in page
    assert '<a href="https://provider.example/appeal"' in page


def test_scripts_images_and_javascript_links_are_stripped(control: Control) -> None:
    page = control.client.get(f"/notices/{_block(control)}").text.lower()
    assert "<script" not in page and "stolen" not in page
    assert "<img" not in page and "tracker.example" not in page
    assert "javascript:" not in page


def test_the_page_forbids_scripts_and_says_when_lifted(control: Control) -> None:
    notice_id = _block(control, "Short.")
    response = control.client.get(f"/notices/{notice_id}")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    control.client.post("/v1/zones/forum/unblock", headers=control.auth())
    assert "Lifted " in control.client.get(f"/notices/{notice_id}").text


def test_an_unknown_notice_is_a_404_page(control: Control) -> None:
    response = control.client.get("/notices/404")
    assert response.status_code == 404
    assert "There is no notice 404" in response.text
