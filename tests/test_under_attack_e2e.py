"""A zone put under attack from the control plane, as a provider does it: `stockade zone
update` against a real control plane, and a real edge following its feed challenges every
visitor of the zone within a second, leaves the other zone alone, and lets visitors
through again within a second of the zone going back to normal."""

from __future__ import annotations

import time

import httpx
from typer.testing import CliRunner

from stockade.cli import app
from tests.support.deployment import Deployment, deployment, status, wait_for

__all__ = ["deployment"]


def zone_update(deployment: Deployment, *options: str) -> str:
    result = CliRunner().invoke(
        app,
        ["zone", "update", "forum", *options],
        env={
            "STOCKADE_URL": deployment.control.url,
            "STOCKADE_TOKEN": deployment.control.admin_token,
        },
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_under_attack_from_the_cli_reaches_the_edge_and_back(deployment: Deployment) -> None:
    edge = deployment.start_edge("edge-a")
    wait_for([edge], 200)
    asked = len(deployment.origin.requests)

    started = time.monotonic()
    output = zone_update(
        deployment, "--security-level", "under_attack", "--challenge-difficulty", "12"
    )
    assert "security level under_attack" in output
    assert wait_for([edge], 403) < 1.0
    assert time.monotonic() - started < 1.5  # the command included

    page = httpx.get(
        edge.url + "/thread/7", headers={"host": "forum.example", "accept": "text/html"}
    )
    assert page.status_code == 403
    assert page.headers["cache-control"] == "no-store"
    assert 'id="stockade-challenge"' in page.text and 'data-difficulty="12"' in page.text
    document = httpx.get(edge.url, headers={"host": "forum.example", "accept": "application/json"})
    assert document.json()["error"] == "challenge"
    assert len(deployment.origin.requests) == asked
    assert status(edge, "chat.example") not in (403, 451)

    zone_update(deployment, "--security-level", "normal")
    assert wait_for([edge], 200) < 1.0
    assert len(deployment.origin.requests) > asked
