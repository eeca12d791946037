"""Access rules in a real edge process in front of a real origin, with country and ASN
databases built by the test: every visitor comes from 127.0.0.1, which the databases place
in France and in AS64496."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.geo import write_asn_database, write_country_database
from tests.support.origin import Origin
from tests.support.zones import zone


@pytest.fixture
def origin(shared_origin: Origin) -> Origin:
    shared_origin.reset()
    return shared_origin


def rule(action: str, **matches: object) -> str:
    lines = ["[[zones.access_rules]]", f'action = "{action}"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in matches.items()]
    return "\n".join(lines) + "\n"


def get(port: int, host: str, **headers: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}/page", headers={"host": host, **headers})


def test_rules_by_address_asn_and_country_in_a_running_edge(
    edge_process, origin: Origin, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    countries = write_country_database(tmp_path / "country.mmdb", {"127.0.0.0/8": "FR"})
    asns = write_asn_database(tmp_path / "asn.mmdb", {"127.0.0.0/8": 64496})
    log = tmp_path / "access.log"
    config = (
        zone("blocked", ["blocked.example"], [origin.url])
        + rule("block", countries=["FR"])
        + zone("challenged", ["challenged.example"], [origin.url])
        + rule("challenge", asns=[64496])
        + rule("block", countries=["FR"])  # the ASN is more specific than the country
        + zone("trusted", ["trusted.example"], [origin.url], security_level="under_attack")
        + rule("block", countries=["FR"], asns=[64496])
        + rule("allow", ips=["127.0.0.1"])  # the address is more specific still
        + zone("open", ["open.example"], [origin.url])
        + rule("block", ips=["10.0.0.0/8", "2001:db8::/32"], asns=[64511])
    )
    edge = edge_process.start(
        config,
        admin=True,
        edge_settings=f'geoip_database = "{countries}"\nasn_database = "{asns}"\n'
        f'access_log = "{log}"\nchallenge_key_file = "{tmp_path / "key"}"',
    )
    denied = get(edge.port, "blocked.example", accept="application/json")
    assert denied.status_code == 403
    assert denied.json()["error"] == "access_denied"
    assert denied.headers["cache-control"] == "no-store"
    challenged = get(edge.port, "challenged.example", accept="application/json")
    assert challenged.status_code == 403
    assert challenged.json()["error"] == "challenge"
    assert get(edge.port, "trusted.example").status_code == 200
    assert get(edge.port, "open.example").status_code == 200
    assert sorted(request.header("host") or "" for request in origin.requests) == [
        "open.example",
        "trusted.example",
    ]

    metrics = httpx.get(f"http://127.0.0.1:{edge.admin_port}/metrics").text
    for zone_name, action in (
        ("blocked", "block"),
        ("challenged", "challenge"),
        ("trusted", "allow"),
    ):
        assert f'stockade_edge_access_total{{action="{action}",zone="{zone_name}"}} 1.0' in metrics
    counted = [
        line for line in metrics.splitlines() if line.startswith("stockade_edge_access_total{")
    ]
    assert len(counted) == 3  # requests no rule matched are not counted
    edge.stop()  # the access log is complete once the edge has stopped
    records = {
        record["zone"]: record.get("access")
        for record in map(json.loads, log.read_text().splitlines())
    }
    assert records == {
        "blocked": "block",
        "challenged": "challenge",
        "trusted": "allow",
        "open": None,
    }


def test_without_the_databases_rules_by_country_and_asn_match_nobody(
    edge_process, origin: Origin
) -> None:  # type: ignore[no-untyped-def]
    config = (
        zone("forum", ["forum.example"], [origin.url])
        + rule("block", countries=["FR"])
        + rule("block", asns=[64496])
    )
    edge = edge_process.start(config)
    assert get(edge.port, "forum.example").status_code == 200
    edge.stop()
    text = edge.log()
    assert (
        "access rules by country match nobody in 1 zone(s) (forum): set edge.geoip_database" in text
    )
    assert "access rules by ASN match nobody in 1 zone(s) (forum): set edge.asn_database" in text
