"""Errors are JSON sentences, whatever raised them."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from stockade.control.errors import error_response
from stockade.store import Database
from tests.control.conftest import Control


def test_an_unknown_route_is_a_json_404(control: Control) -> None:
    response = control.client.get("/v1/zonez")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "error": "not_found",
        "message": "There is nothing at /v1/zonez: the API's routes are listed at /openapi.json.",
    }


def test_a_wrong_method_is_a_json_405(control: Control) -> None:
    response = control.client.put("/v1/zones", headers=control.auth())
    assert response.status_code == 405
    assert "PUT is not allowed on /v1/zones" in response.json()["message"]


def test_a_body_that_is_not_json_is_422(control: Control) -> None:
    response = control.client.post(
        "/v1/zones",
        content=b"{not json",
        headers={**control.auth(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("The request is not valid:")


def test_a_database_outage_is_503(control: Control, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(Database, "read", broken)
    response = control.client.get("/v1/notices/1")
    assert response.status_code == 503
    assert "cannot reach its database" in response.json()["message"]


def test_error_response_shape() -> None:
    response = error_response(409, "Taken.", details={"zone": "forum"})
    assert response.status_code == 409
    assert response.body == (
        b'{"status":409,"error":"conflict","message":"Taken.","details":{"zone":"forum"}}'
    )
