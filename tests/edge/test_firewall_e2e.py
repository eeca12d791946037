"""Firewall rules from a config file, on a real edge process in front of a real origin:
what visitors get, what the metrics count and what the access log says."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.origin import Origin
from tests.support.zones import zone

RULES = """
[[zones.firewall_rules]]
id = "watch-admin"
expression = 'starts_with(http.request.uri.path, "/admin")'
action = "log"

[[zones.firewall_rules]]
id = "robots"
expression = 'http.request.uri.path eq "/robots.txt"'
action = "skip"
skip = ["rules", "challenge"]

[[zones.firewall_rules]]
id = "no-wp"
description = "Nobody runs WordPress here."
expression = 'http.request.uri.path wildcard "/wp-*"'
action = "block"
status = 404
body = "Not here."
"""


def test_rules_of_a_config_file_block_log_and_skip(edge_process, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    origin = Origin()
    log = tmp_path / "access.log"
    try:
        edge = edge_process.start(
            zone("forum", ["forum.example"], [origin.url], security_level="under_attack") + RULES,
            admin=True,
            edge_settings=(
                f'challenge_key_file = "{tmp_path / "challenge.key"}"\naccess_log = "{log}"'
            ),
        )
        with httpx.Client(base_url=edge.url, headers={"host": "forum.example"}) as client:
            blocked = client.get("/WP-login.php")
            assert (blocked.status_code, blocked.text) == (404, "Not here.")
            assert blocked.headers["content-type"] == "text/plain; charset=utf-8"
            robots = client.get("/robots.txt")
            assert robots.status_code == 200  # no challenge for crawlers reading robots.txt
            assert client.get("/admin").status_code == 403  # logged, then challenged
        assert [request.url for request in origin.requests] == ["/robots.txt"]
        metrics = httpx.get(f"http://127.0.0.1:{edge.admin_port}/metrics").text
        for rule, action in (("no-wp", "block"), ("robots", "skip"), ("watch-admin", "log")):
            assert (
                f'stockade_edge_firewall_matches_total{{action="{action}",rule="{rule}",'
                f'zone="forum"}} 1.0'
            ) in metrics
        edge.stop()
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        assert [line.get("firewall") for line in lines] == [
            ["no-wp:block"],
            ["robots:skip"],
            ["watch-admin:log"],
        ]
        assert lines[2]["challenge"] == "issued"
    finally:
        origin.close()
