"""Tokens over HTTP: admin only; shown once; revoked tokens stop working at once."""

from __future__ import annotations

from tests.control.conftest import Control


def test_create_list_revoke(control: Control) -> None:
    response = control.client.post(
        "/v1/tokens", json={"name": "edge-1", "role": "edge"}, headers=control.auth()
    )
    assert response.status_code == 201
    created = response.json()
    token = created["token"]
    assert (created["name"], created["role"], created["revoked_at"]) == ("edge-1", "edge", None)
    listed = control.client.get("/v1/tokens", headers=control.auth()).json()
    assert [(t["name"], t["role"]) for t in listed] == [("admin", "admin"), ("edge-1", "edge")]
    assert all("token" not in t for t in listed)

    feed = {"authorization": f"Bearer {token}"}
    assert control.client.get("/v1/edge/snapshot?wait=0", headers=feed).status_code == 204
    response = control.client.delete(f"/v1/tokens/{created['id']}", headers=control.auth())
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    response = control.client.get("/v1/edge/snapshot?wait=0", headers=feed)
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


def test_only_admins_manage_tokens(control: Control) -> None:
    for role in ("operator", "viewer", "edge"):
        response = control.client.post(
            "/v1/tokens", json={"name": "x", "role": "admin"}, headers=control.auth(role)
        )
        assert response.status_code == 403, role
        assert "cannot manage API tokens" in response.json()["message"]


def test_bad_token_requests(control: Control) -> None:
    response = control.client.post(
        "/v1/tokens", json={"name": "x", "role": "root"}, headers=control.auth()
    )
    assert response.status_code == 422 and "'role'" in response.json()["message"]
    response = control.client.post(
        "/v1/tokens", json={"name": " ", "role": "viewer"}, headers=control.auth()
    )
    assert response.status_code == 422 and "needs a name" in response.json()["message"]
    assert control.client.delete("/v1/tokens/99", headers=control.auth()).status_code == 404
