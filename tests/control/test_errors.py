"""Errors are JSON sentences, whatever raised them."""

from __future__ import annotations

import json
import socket

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from stockade.control.body_limit import MAX_BODY
from stockade.control.errors import error_response
from stockade.policy import SAMPLES_MEDIA_TYPE
from stockade.store import Database
from stockade.store.models import WatchItemRecord
from tests.control.conftest import Control
from tests.support.control_process import ControlProcess


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


def test_a_body_over_the_limit_is_a_json_413_and_stores_nothing(control: Control) -> None:
    # Posts, as JSON, one byte over the limit: read as it arrives, refused at the limit.
    post = {"id": "p", "zone": "forum", "url": "https://forum.example/1", "text": "x"}
    body = b'{"items": [' + json.dumps(post).encode() + b"]}"
    body += b" " * (MAX_BODY + 1 - len(body))
    response = control.client.post(
        "/v1/watch/items",
        content=iter([body[:MAX_BODY], body[MAX_BODY:]]),
        headers={**control.auth(), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "status": 413,
        "error": "too_large",
        "message": f"The request body is larger than the {MAX_BODY:,} bytes "
        "/v1/watch/items takes: send less in one call (fewer items, or the same items over "
        "several calls).",
    }
    with control.client.app.state.control.database.read() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(WatchItemRecord)) == 0


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    control_process: type[ControlProcess],
) -> None:
    control = control_process.start()
    with socket.create_connection(("127.0.0.1", control.port), timeout=10) as connection:
        connection.sendall(
            b"POST /v1/edge/samples HTTP/1.1\r\nHost: control\r\n"
            + f"Authorization: Bearer {control.admin_token}\r\n".encode()
            + f"Content-Type: {SAMPLES_MEDIA_TYPE}\r\n".encode()
            + f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["message"].startswith(
        f"The request body is larger than the {MAX_BODY:,} bytes /v1/edge/samples takes"
    )
