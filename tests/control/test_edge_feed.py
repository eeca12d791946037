"""The feed: answers at once when there is news, wakes at once on a change, 204 on timeout,
signed bytes that verify, and every poll recorded."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from stockade.control.edge_feed import SNAPSHOT_MEDIA_TYPE
from stockade.policy import VerifyKey, verify_snapshot
from tests.control.conftest import PUBLIC_URL, Control

BLOCK: dict[str, Any] = {
    "basis": "emergency",
    "reason": "Threats against a person.",
    "notice": {"title": "Suspended", "body_markdown": "Threats."},
}


def _poll(control: Control, query: str, role: str = "edge") -> httpx.Response:
    return control.client.get(f"/v1/edge/snapshot?{query}", headers=control.auth(role))


def _key(control: Control) -> VerifyKey:
    response = control.client.get("/v1/edge/key")
    assert response.status_code == 200
    return VerifyKey.from_text(response.json()["key"])


def test_a_newer_revision_is_answered_at_once_signed(control: Control) -> None:
    control.add_zone("forum", "forum.example")
    enforcement = control.client.post(
        "/v1/zones/forum/enforcements", json=BLOCK, headers=control.auth()
    ).json()["enforcement"]
    started = time.perf_counter()
    response = _poll(control, "after=0&edge=paris-1&wait=30")
    assert time.perf_counter() - started < 1
    assert response.status_code == 200
    assert response.headers["content-type"] == SNAPSHOT_MEDIA_TYPE
    assert response.headers["stockade-revision"] == "2"
    snapshot = verify_snapshot(response.content, _key(control))
    assert snapshot.revision == 2
    (zone,) = snapshot.zones
    assert zone.hostnames == ("forum.example",)
    (blocked,) = zone.enforcements
    assert blocked.id == str(enforcement["id"])
    assert blocked.notice_url == f"{PUBLIC_URL}/notices/{enforcement['notice_id']}"


def test_nothing_newer_is_204_after_wait(control: Control) -> None:
    control.add_zone("forum")
    started = time.perf_counter()
    response = _poll(control, "after=1&edge=e&wait=0.3")
    elapsed = time.perf_counter() - started
    assert response.status_code == 204
    assert response.headers["stockade-revision"] == "1"
    assert 0.3 <= elapsed < 2


def test_an_edge_ahead_of_the_control_plane_gets_204(control: Control) -> None:
    assert _poll(control, "after=50&wait=0").status_code == 204


def test_a_change_wakes_a_waiting_poll_within_100_ms(control: Control) -> None:
    control.add_zone("forum")
    done: dict[str, Any] = {}

    def poll() -> None:
        response = _poll(control, "after=1&edge=waiting&wait=10")
        done["at"], done["response"] = time.perf_counter(), response

    control.auth("edge")  # make the token before the clock matters
    waiting = threading.Thread(target=poll)
    waiting.start()
    time.sleep(0.3)  # the poll is now held
    assert "response" not in done
    response = control.client.post(
        "/v1/zones/forum/enforcements", json=BLOCK, headers=control.auth()
    )
    answered = time.perf_counter()
    waiting.join(5)
    assert response.status_code == 201
    assert done["response"].status_code == 200
    assert done["response"].headers["stockade-revision"] == "2"
    assert done["at"] - answered < 0.1


def test_every_edge_gets_the_same_bytes(control: Control) -> None:
    control.add_zone("forum")
    first = _poll(control, "after=0&edge=a&wait=0").content
    second = _poll(control, "after=0&edge=b&wait=0", role="admin").content
    assert first == second


def test_polls_are_recorded_with_the_revision_applied(control: Control) -> None:
    control.add_zone("forum")
    _poll(control, "after=0&edge=paris-1&wait=0")
    _poll(control, "after=1&wait=0")  # no name: the client's address stands for it
    edges = control.client.get("/v1/edges", headers=control.auth()).json()["edges"]
    assert [(e["name"], e["revision"], e["address"]) for e in edges] == [
        ("paris-1", 0, "testclient"),
        ("testclient", 1, "testclient"),
    ]


def test_wait_is_capped_at_30_and_bad_queries_are_422(control: Control) -> None:
    control.add_zone("forum")
    assert _poll(control, "after=0&wait=300").status_code == 200
    for query, field in [("wait=-1", "wait"), ("after=-1", "after"), ("after=x", "after")]:
        response = _poll(control, query)
        assert response.status_code == 422, query
        assert f"'query.{field}'" in response.json()["message"]


def test_only_edge_and_admin_tokens_may_follow_the_feed(control: Control) -> None:
    assert _poll(control, "wait=0", role="edge").status_code == 204
    assert _poll(control, "wait=0", role="admin").status_code == 204
    for role in ("operator", "viewer"):
        response = _poll(control, "wait=0", role=role)
        assert response.status_code == 403
        assert "cannot follow the snapshot feed" in response.json()["message"]
        assert "admin or edge" in response.json()["message"]
    assert control.client.get("/v1/edge/snapshot?wait=0").status_code == 401


def test_the_key_needs_no_token_and_matches_the_data_directory(control: Control) -> None:
    text = (control.settings.data / "control-key.pub").read_text().strip()
    assert control.client.get("/v1/edge/key").json() == {"key": text}
