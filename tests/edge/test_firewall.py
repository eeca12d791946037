"""Firewall rules at the edge, fed raw requests: each action, the order of rules, what a
match counts and logs, and rules that cannot be served."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from stockade.edge.config import ConfigError, EdgeConfig, EdgeSettings, config_from_dict
from stockade.edge.firewall import query_mark, request_values
from stockade.edge.runtime import Edge
from stockade.policy import FirewallRule, NamedList, RateLimit, Snapshot, Zone, ZoneError
from tests.support.contexts import request_context
from tests.support.geo import write_country_database
from tests.support.wire import Wire, header

ORIGIN = "http://10.0.0.5:8080"


def rule(id: str, expression: str, action: str, **fields: object) -> FirewallRule:
    return FirewallRule(id=id, expression=expression, action=action, **fields)  # type: ignore[arg-type]


def make_wire(
    loop: asyncio.AbstractEventLoop,
    *rules: FirewallRule,
    tmp_path: Path,
    geoip: str | None = None,
    **zone_fields: object,
) -> Wire:
    zone = Zone(
        name="forum",
        hostnames=("forum.example",),
        origins=(ORIGIN,),
        firewall_rules=rules,
        **zone_fields,  # type: ignore[arg-type]
    )
    settings = EdgeSettings(
        geoip_database=geoip, challenge_key_file=str(tmp_path / "challenge.key")
    )
    wire = Wire(Edge(settings, Snapshot(revision=1, zones=(zone,)), loop))
    wire.pool_connection(ORIGIN)
    return wire


def get(wire: Wire, path: bytes, extra: bytes = b"") -> bytes:
    wire.transport.take()
    wire.send(b"GET " + path + b" HTTP/1.1\r\nHost: forum.example\r\n" + extra + b"\r\n")
    return wire.transport.take()


def reached_origin(wire: Wire) -> bool:
    """Whether the last request reached the origin; if so, the origin answers it."""
    reached = wire.upstreams[0][1].take().startswith((b"GET ", b"POST "))
    if reached:
        wire.reply(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
    return reached


def config_zone(**tables: object) -> dict[str, object]:
    """Zone "forum" as a table of an edge config file, with these keys."""
    return {"name": "forum", "hostnames": ["forum.example"], "origins": [ORIGIN], **tables}


def load(zone: dict[str, object]) -> EdgeConfig:
    return config_from_dict({"zones": [zone]}, source="edge.toml")


def firewall_counts(wire: Wire) -> dict[tuple[str, str, str], int]:
    return wire.edge.metrics.firewall


def test_a_block_rule_answers_403_with_the_edges_page(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    wire = make_wire(
        loop,
        rule("wp-login", 'http.request.uri.path eq "/wp-login.php"', "block"),
        tmp_path=tmp_path,
    )
    response = get(wire, b"/wp-login.php", b"Accept: application/json\r\n")
    assert response.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    document = json.loads(response.partition(b"\r\n\r\n")[2])
    assert document["error_source"] == "firewall"
    assert document["request_id"] == header(response, b"stockade-request-id").decode()  # type: ignore[union-attr]
    assert not reached_origin(wire)
    get(wire, b"/index.php")
    assert reached_origin(wire)
    assert firewall_counts(wire) == {("forum", "wp-login", "block"): 1}


def test_a_block_rule_with_its_own_status_and_body(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    wire = make_wire(
        loop,
        rule(
            "no-bots",
            'lower(http.user_agent) contains "badbot"',
            "block",
            status=429,
            body='{"error": "slow down"}',
            content_type="application/json",
        ),
        tmp_path=tmp_path,
    )
    response = get(wire, b"/", b"User-Agent: BadBot/2.0\r\nAccept: text/html\r\n")
    assert response.startswith(b"HTTP/1.1 429 Too Many Requests\r\n")
    assert header(response, b"content-type") == b"application/json; charset=utf-8"
    assert response.endswith(b'\r\n\r\n{"error": "slow down"}')


def test_rules_run_in_order_and_log_rules_do_not_stop_them(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    wire = make_wire(
        loop,
        rule("watch-admin", 'starts_with(http.request.uri.path, "/admin")', "log"),
        rule("office", "ip.src in {192.0.2.0/24}", "allow"),
        rule("admin", 'starts_with(http.request.uri.path, "/admin")', "block"),
        tmp_path=tmp_path,
    )
    assert get(wire, b"/admin/users").startswith(b"HTTP/1.1 403 ")  # the visitor is 203.0.113.7
    assert firewall_counts(wire) == {
        ("forum", "watch-admin", "log"): 1,
        ("forum", "admin", "block"): 1,
    }
    assert not reached_origin(wire)


def test_allow_ends_the_rules(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    wire = make_wire(
        loop,
        rule("visitor", "ip.src in {203.0.113.0/24}", "allow"),
        rule("everything", "true", "block"),
        tmp_path=tmp_path,
    )
    get(wire, b"/")
    assert reached_origin(wire)
    assert firewall_counts(wire) == {("forum", "visitor", "allow"): 1}


def test_skip_passes_over_the_remaining_rules_or_the_challenge(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    wire = make_wire(
        loop,
        rule("feeds", 'ends_with(http.request.uri.path, ".xml")', "skip", skip=("challenge",)),
        rule(
            "robots", 'http.request.uri.path eq "/robots.txt"', "skip", skip=("rules", "challenge")
        ),
        rule("no-txt", 'ends_with(http.request.uri.path, ".txt")', "block"),
        tmp_path=tmp_path,
        security_level="under_attack",
    )
    get(wire, b"/feed.xml")  # a feed reader cannot solve a challenge
    assert reached_origin(wire)
    get(wire, b"/robots.txt")
    assert reached_origin(wire)
    assert get(wire, b"/notes.txt").startswith(b"HTTP/1.1 403 ")
    assert b"Checking your browser" in get(wire, b"/", b"Accept: text/html\r\n")
    assert not reached_origin(wire)


def test_a_challenge_rule_challenges_only_what_it_matches(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    wire = make_wire(
        loop,
        rule(
            "login",
            'http.request.method eq "POST" and http.request.uri.path eq "/login"',
            "challenge",
        ),
        tmp_path=tmp_path,
    )
    get(wire, b"/login")
    assert reached_origin(wire)
    wire.transport.take()
    wire.send(b"POST /login HTTP/1.1\r\nHost: forum.example\r\nContent-Length: 0\r\n\r\n")
    response = wire.transport.take()
    assert response.startswith(b"HTTP/1.1 403 ")
    assert b"JavaScript" in response
    assert wire.edge.metrics.challenges == {("forum", "issued"): 1}
    # The zone is not under attack, yet answers solutions: the challenge's page leads there.
    answer = get(wire, b"/.well-known/stockade/challenge?token=1.2.3&counter=0")
    assert answer.startswith(b"HTTP/1.1 403 ")


def test_rules_read_the_country_from_the_database(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    database = tmp_path / "countries.mmdb"
    write_country_database(database, {"203.0.113.0/24": "FR"})
    wire = make_wire(
        loop,
        rule("france", 'ip.src.country eq "FR"', "block"),
        tmp_path=tmp_path,
        geoip=str(database),
    )
    assert get(wire, b"/").startswith(b"HTTP/1.1 403 ")


def test_rules_and_limits_look_up_the_zones_named_lists(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    zone = Zone(
        name="forum",
        hostnames=("forum.example",),
        origins=(ORIGIN,),
        lists=(
            NamedList(name="scanners", items=("198.51.100.0/24", "203.0.113.0/24")),
            NamedList(name="admin_paths", items=("/admin", "/wp-admin")),
        ),
        firewall_rules=(
            rule(
                "scanners", "ip.src in $scanners and http.request.uri.path in $admin_paths", "block"
            ),
        ),
        rate_limits=(
            RateLimit(
                id="admin",
                expression="http.request.uri.path in $admin_paths",
                requests_per_period=1,
            ),
        ),
    )
    settings = EdgeSettings(challenge_key_file=str(tmp_path / "challenge.key"))
    edge = Edge(settings, Snapshot(revision=1, zones=(zone,)), loop)
    scanner = Wire(edge, peer=("203.0.113.7", 40000))
    scanner.pool_connection(ORIGIN)
    assert get(scanner, b"/wp-admin").startswith(b"HTTP/1.1 403 ")
    get(scanner, b"/thread/7")
    assert reached_origin(scanner)
    visitor = Wire(edge, peer=("192.0.2.1", 40000))
    visitor.pool_connection(ORIGIN)
    get(visitor, b"/admin")
    assert reached_origin(visitor)
    # The rate limit reads the same list: a second admin request is one too many.
    assert get(visitor, b"/admin").startswith(b"HTTP/1.1 429 ")


def test_a_rule_naming_a_list_the_zone_lacks_is_refused_with_its_caret() -> None:
    zone = config_zone(
        lists=[{"name": "scanners", "items": ["203.0.113.0/24"]}],
        firewall_rules=[{"id": "r1", "expression": "ip.src in $scaners", "action": "block"}],
    )
    with pytest.raises(ConfigError) as caught:
        load(zone)
    assert str(caught.value) == (
        "edge.toml: Zone 'forum', firewall rule 'r1':\n"
        "ip.src in $scaners\n"
        "          ^\n"
        "There is no list $scaners; the lists given are: $scanners."
    )
    zone["firewall_rules"] = [{"id": "r1", "expression": "ip.src in $scanners", "action": "block"}]
    assert load(zone).zones[0].lists == (NamedList(name="scanners", items=("203.0.113.0/24",)),)
    zone["lists"] = [{"name": "scanners", "values": []}]
    with pytest.raises(ConfigError, match=r"zones\[0\].lists\[0\] has an unknown key 'values'"):
        load(zone)


def test_disabled_rules_do_nothing(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    wire = make_wire(loop, rule("off", "true", "block", enabled=False), tmp_path=tmp_path)
    get(wire, b"/")
    assert reached_origin(wire)
    assert wire.edge.table.routes[0].firewall is not None


def test_the_access_log_names_the_rules_that_matched(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    from stockade.edge.access_log import _record
    from tests.support.contexts import request_context

    ctx = request_context()
    ctx.firewall_matches = [("forum", "watch", "log"), ("forum", "wp", "block")]
    assert _record(0.0, ctx, 0.0).firewall == ["watch:log", "wp:block"]
    assert _record(0.0, request_context(), 0.0).firewall == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": "Bad Id"}, "is not usable: use 1 to 63 lower-case letters"),
        ({"expression": " "}, "has no expression"),
        ({"status": 302}, "status 302 is not allowed"),
        ({"body": "x" * 2049}, "the body is 2049 bytes; 2048 at most"),
        ({"action": "log", "status": 429}, "apply to action block only"),
        ({"action": "skip"}, "skips nothing"),
        ({"action": "log", "skip": ("rules",)}, "skip applies to action skip only"),
    ],
)
def test_rules_that_cannot_be_served_are_refused_with_a_sentence(
    fields: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"id": "r1", "expression": "true", "action": "block"}
    values.update(fields)
    with pytest.raises(ZoneError, match=message):
        FirewallRule(**values)  # type: ignore[arg-type]


def test_a_config_file_with_a_bad_expression_names_the_zone_the_rule_and_the_place() -> None:
    zone = config_zone(
        firewall_rules=[{"id": "r1", "expression": 'ip.src eq "x"', "action": "block"}]
    )
    with pytest.raises(ConfigError) as caught:
        load(zone)
    assert str(caught.value) == (
        "edge.toml: Zone 'forum', firewall rule 'r1':\n"
        'ip.src eq "x"\n'
        "          ^\n"
        "ip.src is an IP address; compare it with an IP or a CIDR range, not a string."
    )
    zone["firewall_rules"] = [{"id": "r1", "expression": "true", "action": "block", "stauts": 1}]
    with pytest.raises(ConfigError, match="unknown key 'stauts'"):
        load(zone)
    zone["firewall_rules"] = [
        {"id": "r1", "expression": "true", "action": "log"},
        {"id": "r1", "expression": "true", "action": "block"},
    ]
    with pytest.raises(ConfigError, match="two firewall rules with the id 'r1'"):
        load(zone)


@pytest.mark.parametrize(
    ("url", "path", "query"),
    [
        (b"/a/b", "/a/b", ""),
        (b"/a?x=1?y", "/a", "x=1?y"),
        (b"/?", "/", ""),
        (b"?q", "", "q"),
        (b"/caf\xc3\xa9?\xff", "/café", "\udcff"),
    ],
)
def test_request_values_split_the_url_at_its_first_question_mark(
    url: bytes, path: str, query: str
) -> None:
    values = request_values(request_context(url=url), None)
    assert (values.path, values.query) == (path, query)
    assert query_mark(url) == url.find(b"?")
