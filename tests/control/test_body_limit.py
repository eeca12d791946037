"""Request bodies over their route's bound are refused with the API's JSON 413, whether
their Content-Length says so or they are streamed, and nothing of them is stored."""

from __future__ import annotations

import json
import socket

import pytest
from sqlalchemy import func, select

from stockade.control.body_limit import DEFAULT_LIMIT, MiB, body_limit
from stockade.policy import SAMPLES_MEDIA_TYPE
from stockade.store.models import WatchItemRecord, ZoneRecord
from tests.control.conftest import Control
from tests.support.control_process import ControlProcess


def _message(path: str, limit: int) -> str:
    return (
        f"The request body is larger than the {limit:,} bytes {path} takes: send less in one "
        "call (fewer items, or the same items over several calls)."
    )


@pytest.mark.parametrize(
    ("method", "path", "limit"),
    [
        ("POST", "/v1/edge/samples", 40 * MiB),
        ("POST", "/v1/watch/items", 64 * MiB),
        ("PUT", "/v1/zones/forum/rules", 32 * MiB),
        ("POST", "/v1/zones", DEFAULT_LIMIT),
        ("PATCH", "/v1/zones/forum", DEFAULT_LIMIT),
        ("POST", "/v1/zones/forum/enforcements", DEFAULT_LIMIT),
        ("GET", "/v1/zones/forum/rules", DEFAULT_LIMIT),
    ],
)
def test_each_route_has_its_bound(method: str, path: str, limit: int) -> None:
    assert body_limit(method, path) == limit


def test_a_streamed_body_over_the_bound_is_a_json_413_and_stores_nothing(control: Control) -> None:
    # Posts, as JSON, one byte over the bound: read as they arrive, refused at the bound.
    limit = body_limit("POST", "/v1/watch/items")
    post = {"id": "p", "zone": "forum", "url": "https://forum.example/1", "text": "x"}
    body = b'{"items": [' + json.dumps(post).encode() + b"]}"
    body += b" " * (limit + 1 - len(body))
    response = control.client.post(
        "/v1/watch/items",
        content=iter([body[:limit], body[limit:]]),
        headers={**control.auth(), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "status": 413,
        "error": "too_large",
        "message": _message("/v1/watch/items", limit),
    }
    with control.client.app.state.control.database.read() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(WatchItemRecord)) == 0


def test_a_small_route_takes_one_mib_without_a_token_even(control: Control) -> None:
    zone = {"name": "forum", "hostnames": ["forum.example"], "origins": ["http://10.0.0.5"]}
    body = json.dumps(zone).encode().ljust(DEFAULT_LIMIT + 1)
    response = control.client.post(
        "/v1/zones", content=body, headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()["message"]) == (
        413,
        _message("/v1/zones", DEFAULT_LIMIT),
    )
    # Under the bound, the same zone is read (and, here, refused for want of a token).
    response = control.client.post(
        "/v1/zones",
        content=json.dumps(zone).encode().ljust(2000),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 401
    with control.client.app.state.control.database.read() as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(ZoneRecord)) == 0


def test_a_declared_length_over_the_bound_is_refused_before_the_body_is_sent(
    control_process: type[ControlProcess],
) -> None:
    control = control_process.start()
    limit = body_limit("POST", "/v1/edge/samples")
    with socket.create_connection(("127.0.0.1", control.port), timeout=10) as connection:
        connection.sendall(
            b"POST /v1/edge/samples HTTP/1.1\r\nHost: control\r\n"
            + f"Authorization: Bearer {control.admin_token}\r\n".encode()
            + f"Content-Type: {SAMPLES_MEDIA_TYPE}\r\n".encode()
            + f"Content-Length: {limit + 1}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["message"] == _message("/v1/edge/samples", limit)
