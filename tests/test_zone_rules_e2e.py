"""A zone's rules from the control plane, as a provider sets them: `PUT
/v1/zones/forum/rules` against a real control plane, and a real edge following its feed
blocks the firewall rule's path within a second while serving the rest, denies the
addresses of an access rule, and serves everything again once the rules are removed."""

from __future__ import annotations

import time

import httpx

from tests.support.deployment import Deployment, deployment, status, wait_for

__all__ = ["deployment"]

WP_LOGIN = {
    "id": "wp-login",
    "expression": 'http.request.uri.path eq "/wp-login.php"',
    "action": "block",
}


def put_rules(deployment: Deployment, **rules: object) -> int:
    response = deployment.api.put("/v1/zones/forum/rules", json=rules)
    assert response.status_code == 200, response.text
    revision: int = response.json()["revision"]
    return revision


def test_rules_from_the_api_reach_the_edge_and_go_again(deployment: Deployment) -> None:
    edge = deployment.start_edge("edge-a")
    wait_for([edge], 200)
    assert status(edge, path="/wp-login.php") == 200

    started = time.monotonic()
    put_rules(deployment, firewall_rules=[WP_LOGIN])
    assert wait_for([edge], 403, path="/wp-login.php") < 1.0
    assert time.monotonic() - started < 1.5  # the API call included
    assert status(edge, path="/thread/7") == 200
    assert status(edge) == 200
    assert status(edge, "chat.example", "/wp-login.php") not in (403, 451)

    # The test's requests come from 127.0.0.1.
    put_rules(deployment, access_rules=[{"action": "block", "ips": ["127.0.0.1"]}])
    assert wait_for([edge], 403) < 1.0
    page = httpx.get(
        edge.url + "/thread/7", headers={"host": "forum.example", "accept": "text/html"}
    )
    assert page.status_code == 403 and "Access Denied" in page.text

    asked = len(deployment.origin.requests)
    put_rules(deployment)
    assert wait_for([edge], 200) < 1.0
    assert status(edge, path="/wp-login.php") == 200
    assert len(deployment.origin.requests) > asked


def test_a_named_list_from_the_api_is_what_the_edges_rules_look_up(
    deployment: Deployment,
) -> None:
    edge = deployment.start_edge("edge-a")
    wait_for([edge], 200)
    rule = {"id": "staff-only", "expression": "not ip.src in $staff", "action": "block"}
    # The test's requests come from 127.0.0.1: outside the list, then in it.
    put_rules(
        deployment,
        firewall_rules=[rule],
        lists=[{"name": "staff", "items": ["192.0.2.0/24"]}],
    )
    assert wait_for([edge], 403) < 1.0
    put_rules(
        deployment,
        firewall_rules=[rule],
        lists=[{"name": "staff", "items": ["192.0.2.0/24", "127.0.0.0/8"]}],
    )
    assert wait_for([edge], 200) < 1.0
