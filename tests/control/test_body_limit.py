"""Request bodies over the bound are refused with the API's JSON 413, whether their
Content-Length says so or they are streamed, and nothing of them is stored."""

from __future__ import annotations

import json
import socket

from sqlalchemy import func, select

from stockade.control.body_limit import MAX_BODY
from stockade.policy import SAMPLES_MEDIA_TYPE
from stockade.store.models import WatchItemRecord
from tests.control.conftest import Control
from tests.support.control_process import ControlProcess


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
