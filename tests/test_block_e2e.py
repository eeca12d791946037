"""The whole block path, as a provider runs it: a control plane, two edges following it
and a customer's origin, all real processes on loopback. A block reaches both edges
within a second, every visitor gets the block page linking to the notice, the origin is
never asked again, and the zone's open connections (a WebSocket too) are closed. The
block holds with the control plane gone, and after an edge restarts without it."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.deployment import Deployment, deployment, status, wait_for
from tests.support.raw_http import RawConnection

__all__ = ["deployment"]

REASON = "This site is blocked because it is being used to threaten a person."


def block(deployment: Deployment, zone: str = "forum", **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "action": "block",
        "basis": "emergency",
        "reason": REASON,
        "notice": {"title": "Forum blocked", "body_markdown": "An **imminent** threat."},
    }
    body.update(fields)
    response = deployment.api.post(f"/v1/zones/{zone}/enforcements", json=body)
    response.raise_for_status()
    answer: dict[str, object] = response.json()
    return answer


def test_a_block_reaches_every_edge_and_nothing_of_the_zone_flows(
    deployment: Deployment,
) -> None:
    edges = [deployment.start_edge("edge-a"), deployment.start_edge("edge-b")]
    wait_for(edges, 200)
    # Open connections of the zone: an idle keep-alive one and a WebSocket.
    idle = RawConnection(edges[0].port)
    idle.send(b"GET /thread HTTP/1.1\r\nHost: forum.example\r\n\r\n")
    assert idle.read_response().status == 200
    chat = connect(
        "ws://chat.example/live",
        sock=socket.create_connection(("127.0.0.1", edges[1].port)),
        legacy=True,
    )
    chat.send("hello")
    assert chat.recv(timeout=5) == "hello"
    asked = len(deployment.origin.requests)

    block(deployment)
    assert wait_for(edges, 451) < 1.0

    for edge in edges:
        page = httpx.get(
            edge.url + "/thread", headers={"host": "forum.example", "accept": "text/html"}
        )
        assert page.status_code == 451
        link = page.headers["link"]
        notice_url = link[1 : link.index(">")]
        assert link == f'<{notice_url}>; rel="blocked-by"'
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["stockade-request-id"] in page.text
        assert REASON in page.text and f'href="{notice_url}"' in page.text
        document = httpx.get(
            edge.url, headers={"host": "forum.example", "accept": "application/json"}
        )
        assert json.loads(document.text)["notice_url"] == notice_url
        text = httpx.get(edge.url, headers={"host": "forum.example"})
        assert text.headers["content-type"].startswith("text/plain")
        assert notice_url in text.text
        # The other zone is not touched.
        assert status(edge, "chat.example") not in (403, 451)
    notice = httpx.get(notice_url)
    assert "Forum blocked" in notice.text and "<strong>imminent</strong>" in notice.text
    assert len(deployment.origin.requests) == asked

    assert idle.read_until_closed(timeout=5) == b""
    # The WebSocket of the other zone still flows, until that zone is blocked too.
    chat.send("still there?")
    assert chat.recv(timeout=5) == "still there?"
    block(deployment, "chat")
    with pytest.raises(ConnectionClosed):
        chat.recv(timeout=5)

    # Each edge reports the revision it applies: both confirm the latest one.
    deadline = time.monotonic() + 5
    while True:
        listing = deployment.api.get("/v1/edges").json()
        applied = {edge["name"]: edge["revision"] for edge in listing["edges"]}
        if applied == {"edge-a": listing["revision"], "edge-b": listing["revision"]}:
            break
        assert time.monotonic() < deadline, f"edges report {applied}, not {listing['revision']}"
        time.sleep(0.05)

    deployment.api.post("/v1/zones/forum/unblock").raise_for_status()
    assert wait_for(edges, 200) < 1.0
    assert len(deployment.origin.requests) > asked


def test_the_block_holds_without_the_control_plane_and_across_an_edge_restart(
    deployment: Deployment,
) -> None:
    edge = deployment.start_edge("edge-a")
    wait_for([edge], 200)
    block(deployment, basis="legal", status=403)
    wait_for([edge], 403)

    deployment.control.process.kill()
    deployment.control.process.wait()
    time.sleep(0.5)
    assert status(edge) == 403

    edge.stop()
    restarted = deployment.start_edge("edge-a")
    assert status(restarted) == 403
    assert "serving saved revision" in restarted.log()
