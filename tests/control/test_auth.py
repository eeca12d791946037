"""Who may do what: no token is 401, a wrong role is 403 saying which roles would do."""

from __future__ import annotations

import pytest

from stockade.control.auth import PERMISSIONS
from tests.control.conftest import Control

# (method, path, permission) for one route of each kind.
ROUTES = [
    ("GET", "/v1/zones", "read"),
    ("POST", "/v1/zones", "write"),
    ("GET", "/v1/edges", "read"),
    ("GET", "/v1/tokens", "tokens"),
    ("GET", "/v1/edge/snapshot?wait=0", "feed"),
]


def test_the_roles_are_as_documented() -> None:
    assert {
        "admin": {"read", "write", "feed", "tokens"},
        "operator": {"read", "write"},
        "viewer": {"read"},
        "edge": {"feed"},
    } == PERMISSIONS


@pytest.mark.parametrize("role", sorted(PERMISSIONS))
def test_each_role_gets_exactly_its_permissions(control: Control, role: str) -> None:
    for method, path, permission in ROUTES:
        body = {"name": f"z-{role}", "hostnames": [f"{role}.example"], "origins": ["http://x"]}
        response = control.client.request(
            method, path, json=body if method == "POST" else None, headers=control.auth(role)
        )
        if permission in PERMISSIONS[role]:
            assert response.status_code < 400, (role, path, response.text)
        else:
            assert response.status_code == 403, (role, path, response.text)
            assert response.json()["details"]["role"] == role


def test_a_missing_token_is_401_with_a_hint(control: Control) -> None:
    response = control.client.get("/v1/zones")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "STOCKADE_TOKEN" in response.json()["message"]


@pytest.mark.parametrize("header", ["Bearer stk_wrong", "Basic dXNlcjpwYXNz", "Bearer"])
def test_a_wrong_token_is_401(control: Control, header: str) -> None:
    response = control.client.get("/v1/zones", headers={"authorization": header})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_a_403_names_the_token_and_the_roles_that_would_do(control: Control) -> None:
    response = control.client.post(
        "/v1/zones",
        json={"name": "forum", "hostnames": ["forum.example"], "origins": ["http://x"]},
        headers=control.auth("viewer"),
    )
    assert response.json()["message"] == (
        "Token 'test-viewer' has the role viewer, which cannot change zones and enforcements, "
        "or push posts: "
        "use a token with the role admin or operator."
    )
