"""Enforcements over HTTP: block with a notice, lift, unblock; each answer has the revision."""

from __future__ import annotations

from typing import Any

from tests.control.conftest import PUBLIC_URL, Control

BLOCK: dict[str, Any] = {
    "basis": "emergency",
    "reason": "This forum hosts threats against a person.",
    "notice": {"title": "Forum suspended", "body_markdown": "# Why\n\nThreats."},
}


def _block(control: Control, zone: str = "forum", **fields: Any) -> Any:
    response = control.client.post(
        f"/v1/zones/{zone}/enforcements", json={**BLOCK, **fields}, headers=control.auth()
    )
    return response


def test_block_answers_201_with_the_notice_url_and_revision(control: Control) -> None:
    control.add_zone("forum")
    response = _block(control)
    assert response.status_code == 201, response.text
    body = response.json()
    enforcement = body["enforcement"]
    assert body["revision"] == 2
    assert enforcement["notice_url"] == f"{PUBLIC_URL}/notices/{enforcement['notice_id']}"
    assert (enforcement["action"], enforcement["status"], enforcement["active"]) == (
        "block",
        451,
        True,
    )
    assert enforcement["created_by"] == "admin (token 1)"
    zone = control.client.get("/v1/zones/forum", headers=control.auth()).json()
    assert [e["id"] for e in zone["enforcements"]] == [enforcement["id"]]


def test_an_external_notice_url_and_a_path_block(control: Control) -> None:
    control.add_zone("forum")
    response = _block(
        control,
        action="path_block",
        paths=["/threads/12"],
        status=403,
        notice=None,
        notice_url="https://provider.example/notices/7",
        ends_at="2999-01-01T00:00:00Z",
    )
    assert response.status_code == 201, response.text
    enforcement = response.json()["enforcement"]
    assert enforcement["notice_url"] == "https://provider.example/notices/7"
    assert enforcement["ends_at"] == "2999-01-01T00:00:00Z"
    assert (enforcement["paths"], enforcement["status"]) == (["/threads/12"], 403)


def test_malformed_notices_are_422_and_nothing_is_written(control: Control) -> None:
    control.add_zone("forum")
    cases = [
        ({"notice": None}, "exactly one notice"),
        ({"notice_url": "https://p.example/n"}, "exactly one notice"),
        ({"notice": {"title": "", "body_markdown": "x"}}, "needs a title"),
        ({"notice": {"title": "T"}}, "'notice.body_markdown'"),
        ({"notice": None, "notice_url": "not a url"}, "Notice URL"),
        ({"status": 500}, "'status'"),
        ({"basis": "whim"}, "'basis'"),
    ]
    for fields, expected in cases:
        response = _block(control, **fields)
        assert response.status_code == 422, (fields, response.text)
        assert expected in response.json()["message"], (fields, response.json())
    assert control.revision() == 1
    assert control.client.get("/v1/zones/forum/enforcements", headers=control.auth()).json() == []
    assert control.client.get("/v1/notices/1").status_code == 404


def test_blocking_an_unknown_zone_is_404(control: Control) -> None:
    response = _block(control, zone="ghost")
    assert response.status_code == 404
    assert "no zone named 'ghost'" in response.json()["message"]


def test_lift_one_then_unblock_the_rest(control: Control) -> None:
    control.add_zone("forum")
    first = _block(control).json()["enforcement"]
    _block(control, action="interstitial")
    response = control.client.delete(
        f"/v1/zones/forum/enforcements/{first['id']}", headers=control.auth("operator")
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 4
    assert response.json()["enforcement"]["active"] is False
    again = control.client.delete(
        f"/v1/zones/forum/enforcements/{first['id']}", headers=control.auth()
    )
    assert again.status_code == 409
    active = control.client.get(
        "/v1/zones/forum/enforcements?active=true", headers=control.auth("viewer")
    ).json()
    assert [e["action"] for e in active] == ["interstitial"]

    response = control.client.post("/v1/zones/forum/unblock", headers=control.auth())
    assert response.status_code == 200
    assert ([e["action"] for e in response.json()["lifted"]], response.json()["revision"]) == (
        ["interstitial"],
        5,
    )
    response = control.client.post("/v1/zones/forum/unblock", headers=control.auth())
    assert response.json() == {"lifted": [], "revision": 5}
    assert (
        control.client.delete("/v1/zones/forum/enforcements/99", headers=control.auth()).status_code
        == 404
    )


def test_notices_are_public_json(control: Control) -> None:
    control.add_zone("forum", "forum.example")
    enforcement = _block(control).json()["enforcement"]
    response = control.client.get(f"/v1/notices/{enforcement['notice_id']}")
    assert response.status_code == 200
    notice = response.json()
    assert notice["title"] == "Forum suspended"
    assert notice["hostnames"] == ["forum.example"]
    assert notice["body_html"].startswith("<h1>Why</h1>")
    assert notice["in_force"] is True
    assert notice["url"] == enforcement["notice_url"]
    control.client.post("/v1/zones/forum/unblock", headers=control.auth())
    assert (
        control.client.get(
            notice["url"].removeprefix(PUBLIC_URL).replace("/notices", "/v1/notices")
        ).json()["in_force"]
        is False
    )
