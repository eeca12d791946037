"""Edges over HTTP: what each edge reported on its last poll, and the current revision."""

from __future__ import annotations

from tests.control.conftest import Control


def test_edges_show_the_revision_each_has_applied(control: Control) -> None:
    control.add_zone("forum")
    feed = control.auth("edge")
    control.client.get("/v1/edge/snapshot?after=0&edge=paris-1&wait=0", headers=feed)
    control.client.get("/v1/edge/snapshot?after=1&edge=berlin-1&wait=0", headers=feed)
    response = control.client.get("/v1/edges", headers=control.auth("viewer"))
    assert response.status_code == 200
    body = response.json()
    assert body["revision"] == 1
    assert [(e["name"], e["revision"]) for e in body["edges"]] == [("berlin-1", 1), ("paris-1", 0)]
    assert body["edges"][0]["address"] == "testclient"


def test_the_revision_route(control: Control) -> None:
    assert control.client.get("/v1/revision", headers=control.auth("viewer")).json() == {
        "revision": 0
    }
    control.add_zone("forum")
    assert control.revision() == 1


def test_edges_need_the_read_role(control: Control) -> None:
    response = control.client.get("/v1/edges", headers=control.auth("edge"))
    assert response.status_code == 403
