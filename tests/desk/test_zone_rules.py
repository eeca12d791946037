"""A zone's rules: replaced all at once, checked and compiled before anything is written,
refused with a sentence (and nothing changed) when an edge could not load them."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.desk import Invalid, NotFound
from stockade.desk.zone_rules import (
    MAX_ACCESS_RULES,
    MAX_FIREWALL_RULES,
    MAX_LIST_ITEMS,
    MAX_NETWORKS,
    MAX_RATE_LIMITS,
    ZoneRules,
    get_zone_rules,
    rules_document,
    set_zone_rules,
)
from stockade.desk.zones import create_zone, get_zone
from stockade.policy import AccessRule, FirewallRule, RateLimit
from stockade.store import Database, current_revision

WP_LOGIN = {
    "id": "wp-login",
    "expression": 'http.request.uri.path eq "/wp-login.php"',
    "action": "block",
}
OFFICE = {"action": "allow", "ips": ["198.51.100.0/24"], "note": "office"}
LOGIN_BURST = {
    "id": "login-burst",
    "expression": 'http.request.uri.path eq "/login"',
    "requests_per_period": 10,
}

SCANNERS = {
    "name": "scanners",
    "items": ["203.0.113.0/24", "2001:db8::/32"],
    "description": "networks that probe for admin pages",
}
FROM_SCANNERS = {"id": "scanners", "expression": "ip.src in $scanners", "action": "block"}


@pytest.fixture
def forum(database: Database) -> Database:
    with database.write() as session:
        create_zone(session, name="forum", hostnames=["forum.example"], origins=["http://10.0.0.5"])
    return database


def _set(database: Database, **lists: list[Any]) -> tuple[ZoneRules, int]:
    with database.write() as session:
        return set_zone_rules(session, "forum", **lists)


def _stored(database: Database) -> tuple[ZoneRules, int]:
    with database.read() as session:
        return get_zone_rules(session, "forum"), current_revision(session)


def test_a_zone_starts_without_rules(forum: Database) -> None:
    rules, _ = _stored(forum)
    assert rules == ZoneRules()
    assert rules_document(rules) == {
        "access_rules": [],
        "firewall_rules": [],
        "rate_limits": [],
        "lists": [],
    }


def test_rules_are_replaced_all_at_once_and_bump_the_revision(forum: Database) -> None:
    rules, revision = _set(
        forum, access_rules=[OFFICE], firewall_rules=[WP_LOGIN], rate_limits=[LOGIN_BURST]
    )
    assert revision == 2
    assert rules.access_rules == (
        AccessRule(action="allow", ips=("198.51.100.0/24",), note="office"),
    )
    assert rules.firewall_rules == (FirewallRule(**WP_LOGIN),)
    assert rules.rate_limits == (RateLimit(**LOGIN_BURST),)
    assert _stored(forum) == (rules, 2)
    # Stored as a config file would have them: the fields at their defaults left out.
    with forum.read() as session:
        assert get_zone(session, "forum").security_rules == {
            "access_rules": [OFFICE],
            "firewall_rules": [WP_LOGIN],
            "rate_limits": [LOGIN_BURST],
        }
    assert rules_document(rules)["rate_limits"] == [LOGIN_BURST]

    # What is not given is emptied.
    rules, revision = _set(forum, firewall_rules=[WP_LOGIN])
    assert (rules.access_rules, rules.rate_limits, revision) == ((), (), 3)
    rules, revision = _set(forum)
    assert (rules, revision) == (ZoneRules(), 4)
    with forum.read() as session:
        assert get_zone(session, "forum").security_rules == {}


def test_a_bad_expression_is_refused_with_its_caret(forum: Database) -> None:
    _set(forum, firewall_rules=[WP_LOGIN])
    bad = {"id": "typo", "expression": 'http.request.uri.pth eq "/x"', "action": "block"}
    with pytest.raises(Invalid) as caught:
        _set(forum, firewall_rules=[WP_LOGIN, bad])
    message = caught.value.message
    assert message.startswith("Zone 'forum', firewall rule 'typo':\n")
    assert 'http.request.uri.pth eq "/x"\n^\n' in message
    assert "http.request.uri.path" in message  # the field it meant
    assert caught.value.details == {"zone": "forum", "rule": "typo"}
    assert _stored(forum) == (ZoneRules(firewall_rules=(FirewallRule(**WP_LOGIN),)), 2)

    with pytest.raises(Invalid, match="Zone 'forum', rate limit 'burst':\n"):
        _set(
            forum,
            rate_limits=[{"id": "burst", "expression": "ip.src in", "requests_per_period": 1}],
        )
    assert _stored(forum)[1] == 2


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        (
            {"firewall_rules": [{**WP_LOGIN, "action": "drop"}]},
            "Zone 'forum': firewall_rules[0].action: Invalid enum value 'drop'; fix that value.",
        ),
        (
            {"firewall_rules": [{**WP_LOGIN, "id": "Bad Id"}]},
            "Zone 'forum': firewall_rules[0]: Firewall rule id 'Bad Id' is not usable",
        ),
        (
            {"access_rules": [{"action": "block", "ips": ["10.0.0.1/8"]}]},
            "Zone 'forum': access_rules[0]: '10.0.0.1/8' has host bits set after the /8",
        ),
        (
            {"access_rules": [{"action": "block", "ip": ["10.0.0.1"]}]},
            "Zone 'forum': access_rules[0] has an unknown key 'ip'; the keys are action, asns",
        ),
        (
            {"rate_limits": [{"id": "burst"}]},
            "Zone 'forum': rate_limits[0]: Object missing required field `requests_per_period`",
        ),
        (
            {"firewall_rules": [WP_LOGIN, WP_LOGIN]},
            "Zone 'forum' has two firewall rules with the id 'wp-login': ids must be unique",
        ),
        (
            {"firewall_rules": "true"},
            "Zone 'forum': firewall_rules must be a list of tables, one for each rule.",
        ),
        (
            {"firewall_rules": [FROM_SCANNERS]},
            "Zone 'forum', firewall rule 'scanners':\nip.src in $scanners\n",
        ),
        (
            {
                "lists": [{"name": "scanners", "items": ["203.0.113.0/24", "not-an-address"]}],
                "firewall_rules": [FROM_SCANNERS],
            },
            "Zone 'forum', firewall rule 'scanners':\nip.src in $scanners\n          ^\n"
            "Item 2 of the list $scanners is 'not-an-address', not an IP address",
        ),
        (
            {"lists": [{"name": "2fast", "items": []}]},
            "Zone 'forum': lists[0]: List name '2fast' is not usable: use 1 to 64 letters",
        ),
        (
            {"lists": [SCANNERS, SCANNERS]},
            "Zone 'forum' has two lists with the name 'scanners': names must be unique",
        ),
        (
            {"lists": [{"name": "scanners", "items": [True]}]},
            "Zone 'forum': lists[0].items[0]: Expected `int | str`, got `bool`",
        ),
        (
            {"lists": [{"name": "scanners", "entries": []}]},
            "Zone 'forum': lists[0] has an unknown key 'entries'; the keys are description, "
            "items, name.",
        ),
    ],
)
def test_bad_rules_are_refused_with_a_sentence_and_nothing_changed(
    forum: Database, lists: dict[str, Any], expected: str
) -> None:
    _set(forum, rate_limits=[LOGIN_BURST])
    before = _stored(forum)
    with pytest.raises(Invalid) as caught:
        _set(forum, **lists)
    assert caught.value.message.startswith(expected), caught.value.message
    assert _stored(forum) == before


def test_more_than_a_zone_may_hold_is_refused(forum: Database) -> None:
    rule = {"expression": "true", "action": "log"}
    too_many_rules = [{**rule, "id": f"r{index}"} for index in range(MAX_FIREWALL_RULES + 1)]
    with pytest.raises(Invalid, match="Zone 'forum' would have 1001 firewall rules; 1,000 at most"):
        _set(forum, firewall_rules=too_many_rules)
    too_many_limits = [{**LOGIN_BURST, "id": f"l{index}"} for index in range(MAX_RATE_LIMITS + 1)]
    with pytest.raises(Invalid, match="Zone 'forum' would have 101 rate limits; 100 at most"):
        _set(forum, rate_limits=too_many_limits)
    too_many_access = [
        {"action": "block", "asns": [index + 1]} for index in range(MAX_ACCESS_RULES + 1)
    ]
    with pytest.raises(Invalid, match="Zone 'forum' would have 1001 access rules; 1,000 at most"):
        _set(forum, access_rules=too_many_access)
    networks = [
        f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"
        for index in range(MAX_NETWORKS + 1)
    ]
    with pytest.raises(Invalid, match="list 100,001 addresses and CIDR blocks; 100,000 at most"):
        _set(
            forum,
            access_rules=[
                {"action": "block", "ips": networks[:50_000]},
                {"action": "block", "ips": networks[50_000:]},
            ],
        )
    assert _stored(forum) == (ZoneRules(), 1)
    # The most a zone may hold is taken.
    rules, _ = _set(
        forum,
        firewall_rules=too_many_rules[:-1],
        access_rules=[{"action": "block", "ips": networks[:-1]}],
    )
    assert (len(rules.firewall_rules), len(rules.access_rules[0].ips)) == (1000, 100_000)


def test_rules_of_an_unknown_zone_are_not_found(database: Database) -> None:
    with (
        pytest.raises(NotFound, match="There is no zone named 'nowhere'"),
        database.write() as session,
    ):
        set_zone_rules(session, "nowhere", firewall_rules=[WP_LOGIN])
    with pytest.raises(NotFound), database.read() as session:
        get_zone_rules(session, "nowhere")


def test_named_lists_are_kept_with_the_rules_that_use_them(forum: Database) -> None:
    agents = {"name": "bad_agents", "items": ["sqlmap", "nikto"]}
    rules, revision = _set(
        forum,
        lists=[SCANNERS, agents],
        firewall_rules=[FROM_SCANNERS],
        rate_limits=[{**LOGIN_BURST, "expression": "http.user_agent in $bad_agents"}],
    )
    assert [named.name for named in rules.lists] == ["scanners", "bad_agents"]
    assert _stored(forum) == (rules, revision)
    assert rules_document(rules)["lists"] == [SCANNERS, agents]


def test_lists_of_more_items_than_a_zone_may_hold_are_refused(forum: Database) -> None:
    half = MAX_LIST_ITEMS // 2
    lists = [
        {"name": "first", "items": [f"10.0.{n >> 8 & 255}.{n & 255}" for n in range(half)]},
        {"name": "second", "items": list(range(1, half + 2))},
    ]
    with pytest.raises(Invalid, match="its lists hold 100,001 items; 100,000 at most"):
        _set(forum, lists=lists)
    assert _stored(forum) == (ZoneRules(), 1)
