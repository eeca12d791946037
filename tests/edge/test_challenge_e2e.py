"""A zone under attack, served by real edge processes in front of a real origin: visitors
get the challenge, a solution earns clearance, and clearance holds on every edge (and every
worker) that shares the key, and on no other."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stockade.edge.challenge import leading_zero_bits
from tests.support.origin import Origin
from tests.support.zones import zone

DIFFICULTY = 10


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


def forum(origin: Origin, **options: object) -> str:
    return zone(
        "forum",
        ["forum.example"],
        [origin.url],
        security_level="under_attack",
        challenge_difficulty=DIFFICULTY,
        **options,
    )


def key_setting(path: Path) -> str:
    return f'challenge_key_file = "{path}"'


def solve(client: httpx.Client, path: str) -> str:
    """Fetch `path`, solve its challenge as the page's script would, and return the
    clearance cookie the edge gives for it."""
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 403
    token = re.search(r'data-token="([^"]+)"', page.text)
    back = re.search(r'data-return-to="([^"]+)"', page.text)
    assert token is not None and back is not None, page.text
    counter = 0
    while (
        leading_zero_bits(hashlib.sha256(f"{token.group(1)}:{counter}".encode()).digest())
        < DIFFICULTY
    ):
        counter += 1
    answer = client.get(
        f"/.well-known/stockade/challenge?token={token.group(1)}&counter={counter}"
        f"&return={back.group(1)}"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == path
    return answer.cookies["stockade_clearance"]


def client(port: int) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"host": "forum.example"})


def test_a_visitor_passes_the_challenge_and_reaches_the_origin(
    edge_process, origin: Origin, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "access.log"
    edge = edge_process.start(
        forum(origin),
        edge_settings=f'{key_setting(tmp_path / "k")}\naccess_log = "{log}"',
        admin=True,
    )
    with client(edge.port) as visitor:
        refused = visitor.get("/thread/7")
        assert refused.status_code == 403
        assert refused.headers["cache-control"] == "no-store"
        assert "JavaScript" in refused.text  # a plain-text client is told what it needs
        assert origin.requests == []
        cookie = solve(visitor, "/thread/7?page=2")
        answer = visitor.get("/thread/7?page=2", headers={"cookie": f"stockade_clearance={cookie}"})
        assert answer.status_code == 200
        assert answer.text == "hello from origin /thread/7?page=2"
    assert len(origin.requests) == 1
    metrics = httpx.get(f"http://127.0.0.1:{edge.admin_port}/metrics").text
    for outcome, count in (("issued", 2), ("passed", 1), ("cleared", 1)):
        assert (
            f'stockade_edge_challenges_total{{outcome="{outcome}",zone="forum"}} {count}.0'
            in metrics
        )
    edge.stop()  # the access log is complete once the edge has stopped
    outcomes = [json.loads(line).get("challenge") for line in log.read_text().splitlines()]
    assert outcomes == ["issued", "issued", "passed", "cleared"]


def test_json_clients_get_a_json_refusal(edge_process, origin: Origin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    edge = edge_process.start(forum(origin), edge_settings=key_setting(tmp_path / "k"))
    with client(edge.port) as visitor:
        answer = visitor.get("/api/posts", headers={"accept": "application/json"})
    assert answer.status_code == 403
    assert answer.json()["error"] == "challenge"
    assert answer.json()["request_id"] == answer.headers["stockade-request-id"]


def test_clearance_holds_on_every_edge_sharing_the_key_and_no_other(
    edge_process, origin: Origin, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shared = key_setting(tmp_path / "shared.key")
    first = edge_process.start(forum(origin), edge_settings=shared)
    second = edge_process.start(forum(origin), edge_settings=shared, workers=2)
    stranger = edge_process.start(forum(origin), edge_settings=key_setting(tmp_path / "own.key"))
    with client(first.port) as visitor:
        cookie = solve(visitor, "/")
    for _ in range(6):  # new connections, so that both workers of the second edge answer
        with client(second.port) as visitor:
            assert (
                visitor.get("/", headers={"cookie": f"stockade_clearance={cookie}"}).status_code
                == 200
            )
    with client(stranger.port) as visitor:
        assert (
            visitor.get("/", headers={"cookie": f"stockade_clearance={cookie}"}).status_code == 403
        )


def test_clearance_is_for_one_zone(edge_process, origin: Origin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    zones = forum(origin) + zone(
        "shop", ["shop.example"], [origin.url], security_level="under_attack"
    )
    edge = edge_process.start(zones, edge_settings=key_setting(tmp_path / "k"))
    with client(edge.port) as visitor:
        cookie = solve(visitor, "/")
    with httpx.Client(base_url=edge.url, headers={"host": "shop.example"}) as visitor:
        assert (
            visitor.get("/", headers={"cookie": f"stockade_clearance={cookie}"}).status_code == 403
        )


def test_a_bad_difficulty_in_the_config_is_refused_with_a_sentence(tmp_path: Path) -> None:
    from stockade.edge.config import ConfigError, config_from_dict

    raw = {
        "zones": [
            {
                "name": "forum",
                "hostnames": ["forum.example"],
                "origins": ["http://10.0.0.5:80"],
                "challenge_difficulty": 40,
            }
        ]
    }
    with pytest.raises(ConfigError, match="challenge_difficulty 40 is out of range: give 1 to 32"):
        config_from_dict(raw, source="edge.toml")
    raw["zones"][0] = {**raw["zones"][0], "challenge_difficulty": 16, "security_level": "panic"}
    with pytest.raises(ConfigError, match="security_level"):
        config_from_dict(raw, source="edge.toml")
