"""Access rules: the lookup (IPv4, IPv6, longest prefix, nesting, boundaries, mapped
addresses, checked against Python's ipaddress), which kind of rule wins, and the phase fed
raw requests: the access-denied page, allow past the challenge, challenge on demand."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.edge.access import ACTIONS, NO_MATCH, ZoneAccess
from stockade.edge.config import EdgeSettings
from stockade.edge.geo import AsnLookup, CountryLookup
from stockade.edge.pages import Pages
from stockade.edge.runtime import Edge
from stockade.policy import AccessRule, Enforcement, Snapshot, Zone
from tests.support.geo import write_asn_database, write_country_database
from tests.support.wire import Wire, header
from tests.support.zones import forum_zone

ORIGIN = "http://10.0.0.5:8080"
PAGES = Pages()


def forum(*rules: AccessRule, **fields: object) -> Zone:
    return forum_zone(access_rules=rules, **fields)


def compiled(
    *rules: AccessRule, countries: CountryLookup | None = None, asns: AsnLookup | None = None
) -> ZoneAccess:
    return ZoneAccess(forum(*rules), PAGES, countries, asns)


def outcome(access: ZoneAccess, ip: str) -> str:
    action = access.action(ip)
    return "none" if action == NO_MATCH else ACTIONS[action]


def block(*ips: str) -> AccessRule:
    return AccessRule(action="block", ips=ips)


def allow(*ips: str) -> AccessRule:
    return AccessRule(action="allow", ips=ips)


def challenge(*ips: str) -> AccessRule:
    return AccessRule(action="challenge", ips=ips)


# the lookup


def test_addresses_and_blocks_of_both_versions() -> None:
    access = compiled(block("203.0.113.9", "198.51.100.0/24", "2001:db8::/32", "2001:db8:1::5"))
    assert outcome(access, "203.0.113.9") == "block"
    assert outcome(access, "203.0.113.10") == "none"
    assert outcome(access, "198.51.100.77") == "block"
    assert outcome(access, "2001:db8:ffff::1") == "block"
    assert outcome(access, "2001:db9::1") == "none"
    assert outcome(access, "unix") == "none"  # a Unix socket's peer has no address


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("198.51.99.255", "none"),
        ("198.51.100.0", "block"),
        ("198.51.100.255", "block"),
        ("198.51.101.0", "none"),
        ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "none"),
        ("2001:db8::", "block"),
        ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "block"),
        ("2001:db9::", "none"),
        ("0.0.0.0", "none"),
        ("255.255.255.255", "challenge"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "challenge"),
    ],
)
def test_the_edges_of_a_block(ip: str, expected: str) -> None:
    access = compiled(
        block("198.51.100.0/24", "2001:db8::/32"),
        challenge("255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    )
    assert outcome(access, ip) == expected


def test_the_longest_prefix_wins_and_the_enclosing_block_resumes_after_it() -> None:
    access = compiled(
        block("10.0.0.0/8", "2001:db8::/32"),
        allow("10.1.0.0/16", "2001:db8:1::/48"),
        challenge("10.1.2.0/24", "2001:db8:1:2::/64"),
        block("10.1.2.3", "2001:db8:1:2::3"),
    )
    for ip, expected in [
        ("10.0.0.1", "block"),
        ("10.1.0.1", "allow"),
        ("10.1.2.1", "challenge"),
        ("10.1.2.3", "block"),
        ("10.1.2.4", "challenge"),
        ("10.1.3.0", "allow"),
        ("10.2.0.0", "block"),
        ("11.0.0.0", "none"),
        ("2001:db8::1", "block"),
        ("2001:db8:1::1", "allow"),
        ("2001:db8:1:2::1", "challenge"),
        ("2001:db8:1:2::3", "block"),
        ("2001:db8:1:3::", "allow"),
        ("2001:db8:2::", "block"),
    ]:
        assert outcome(access, ip) == expected, ip


def test_a_block_in_two_rules_takes_the_strictest_action() -> None:
    access = compiled(allow("10.0.0.0/8"), block("10.0.0.0/8"), challenge("10.0.0.0/8"))
    assert outcome(access, "10.9.9.9") == "block"
    access = compiled(allow("10.0.0.0/8", "10.0.0.1"), challenge("10.0.0.0/8"))
    assert outcome(access, "10.9.9.9") == "challenge"
    assert outcome(access, "10.0.0.1") == "allow"  # more specific, so not a tie


def test_blocks_that_end_together_and_neighbours() -> None:
    # 10.0.0.128/25 ends where 10.0.0.0/24 ends; the next block starts right after both.
    access = compiled(
        block("10.0.0.0/24"), allow("10.0.0.128/25", "10.0.0.255"), challenge("10.0.1.0/24")
    )
    assert outcome(access, "10.0.0.127") == "block"
    assert outcome(access, "10.0.0.254") == "allow"
    assert outcome(access, "10.0.0.255") == "allow"
    assert outcome(access, "10.0.1.0") == "challenge"
    assert outcome(access, "10.0.2.0") == "none"


def test_ipv4_mapped_addresses_are_ipv4() -> None:
    access = compiled(block("198.51.100.0/24"), allow("::ffff:203.0.113.0/120"))
    assert outcome(access, "::ffff:198.51.100.7") == "block"
    assert outcome(access, "203.0.113.7") == "allow"
    assert outcome(access, "::ffff:203.0.113.7") == "allow"
    # IPv6 blocks hold IPv6 visitors only, even ::/0.
    assert outcome(compiled(block("::/0")), "198.51.100.7") == "none"
    assert outcome(compiled(block("0.0.0.0/0")), "2001:db8::1") == "none"


@st.composite
def networks(draw: st.DrawFn) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    kind = draw(st.sampled_from((ipaddress.IPv4Network, ipaddress.IPv6Network)))
    bits = 32 if kind is ipaddress.IPv4Network else 128
    prefix = draw(st.integers(0, bits))
    first = draw(st.integers(0, 2**bits - 1)) >> (bits - prefix) << (bits - prefix)
    if kind is ipaddress.IPv6Network and draw(st.booleans()):
        # Inside or around the IPv4-mapped range, which holds IPv4 visitors.
        prefix = draw(st.integers(80, 128))
        first = (0xFFFF << 32 | first & 0xFFFFFFFF) >> (128 - prefix) << (128 - prefix)
    return kind((first, prefix))


@st.composite
def rules_and_addresses(
    draw: st.DrawFn,
) -> tuple[list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]], list[str]]:
    # Blocks nested in one another, so that longest-prefix matching is put to the test.
    roots = draw(st.lists(networks(), min_size=1, max_size=6))
    chosen = []
    for root in roots:
        chosen.append(root)
        extra = draw(st.integers(0, min(4, root.max_prefixlen - root.prefixlen)))
        current = root
        for _ in range(extra):
            current = draw(st.sampled_from(list(current.subnets(prefixlen_diff=1))))
            chosen.append(current)
    rules = [(network, draw(st.sampled_from(ACTIONS))) for network in chosen]
    addresses = []
    for network, _ in rules:
        offset = draw(st.integers(0, network.num_addresses - 1))
        addresses.append(str(network.network_address + offset))
        addresses.append(str(network.broadcast_address))
        if int(network.network_address) > 0:
            addresses.append(str(network.network_address - 1))
        if int(network.broadcast_address) < 2**network.max_prefixlen - 1:
            addresses.append(str(network.broadcast_address + 1))
    return rules, addresses


MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


def as_ipv4(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A block inside ::ffff:0:0/96 is the IPv4 block it maps, as docs/edge.md says."""
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(MAPPED):
        return ipaddress.IPv4Network(
            (int(network.network_address) & 0xFFFFFFFF, network.prefixlen - 96)
        )
    return network


def oracle(rules: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]], ip: str) -> str:
    """The longest prefix holding the address, the strictest action on a tie; IPv4-mapped
    addresses and blocks are IPv4 ones."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    holding = [
        (as_ipv4(network).prefixlen, ACTIONS.index(action))
        for network, action in rules
        if address in as_ipv4(network)
    ]
    return ACTIONS[max(holding)[1]] if holding else "none"


@settings(max_examples=300, deadline=None)
@given(rules_and_addresses())
def test_the_lookup_agrees_with_ipaddress(
    drawn: tuple[list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]], list[str]],
) -> None:
    rules, addresses = drawn
    access = compiled(
        *(AccessRule(action=action, ips=(str(network),)) for network, action in rules)  # type: ignore[arg-type]
    )
    for ip in addresses:
        assert outcome(access, ip) == oracle(rules, ip), ip


def test_one_hundred_thousand_blocks_compile_in_under_a_second() -> None:
    ips = tuple(f"{10 + n % 200}.{n >> 8 & 255}.{n & 255}.0/24" for n in range(100_000))
    rule = block(*ips)
    started = time.perf_counter()
    access = compiled(rule)
    assert time.perf_counter() - started < 1.0
    assert outcome(access, "10.0.0.9") == "block"


# which kind of rule wins


@pytest.fixture
def databases(tmp_path: Path) -> tuple[CountryLookup, AsnLookup]:
    countries = write_country_database(
        tmp_path / "c.mmdb", {"203.0.113.0/24": "FR", "198.51.100.0/24": "FR"}
    )
    asns = write_asn_database(tmp_path / "a.mmdb", {"203.0.113.0/24": 64496})
    return CountryLookup(str(countries)), AsnLookup(str(asns))


def test_an_address_beats_an_asn_which_beats_a_country(
    databases: tuple[CountryLookup, AsnLookup],
) -> None:
    countries, asns = databases
    access = compiled(
        AccessRule(action="block", countries=("FR",)),
        AccessRule(action="challenge", asns=(64496,)),
        allow("203.0.113.7"),
        countries=countries,
        asns=asns,
    )
    assert outcome(access, "203.0.113.7") == "allow"
    assert outcome(access, "203.0.113.8") == "challenge"
    assert outcome(access, "::ffff:203.0.113.8") == "challenge"
    assert outcome(access, "198.51.100.1") == "block"
    assert outcome(access, "192.0.2.1") == "none"
    assert access.unmatched == []


def test_without_a_database_country_and_asn_rules_match_nobody() -> None:
    access = compiled(
        AccessRule(action="block", countries=("FR",)), AccessRule(action="block", asns=(64496,))
    )
    assert outcome(access, "203.0.113.7") == "none"
    assert access.unmatched == ["country", "ASN"]


def test_databases_are_read_only_for_zones_with_rules_of_their_kind(
    databases: tuple[CountryLookup, AsnLookup],
) -> None:
    countries, asns = databases
    compiled(block("192.0.2.0/24"), countries=countries, asns=asns).action("203.0.113.7")
    assert countries.country.cache_info().currsize == 0
    assert asns.asn.cache_info().currsize == 0


# the phase, fed raw requests


def make_edge(loop: asyncio.AbstractEventLoop, *rules: AccessRule, **fields: object) -> Edge:
    return Edge(EdgeSettings(), Snapshot(revision=1, zones=(forum(*rules, **fields),)), loop)


def get(wire: Wire, extra: bytes = b"") -> bytes:
    wire.transport.take()
    wire.send(b"GET /thread/1 HTTP/1.1\r\nHost: forum.example\r\n" + extra + b"\r\n")
    return wire.transport.take()


def passes(edge: Edge, ip: str) -> bool:
    """Whether a request from `ip` on a new connection reaches the origin."""
    wire = Wire(edge, peer=(ip, 1))
    wire.pool_connection(ORIGIN)
    get(wire)
    return reached_origin(wire)


def reached_origin(wire: Wire) -> bool:
    """Whether the request was sent on to the origin; if so, the origin answers it."""
    if not wire.upstreams[0][1].data().startswith(b"GET /thread/1 "):
        return False
    wire.reply(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
    return True


def test_a_blocked_network_gets_403_in_its_format_and_the_origin_nothing(
    loop: asyncio.AbstractEventLoop,
) -> None:
    edge = make_edge(loop, block("198.51.100.0/24"))
    wire = Wire(edge, peer=("198.51.100.7", 1))
    wire.pool_connection(ORIGIN)
    response = get(wire, b"Accept: application/json\r\n")
    assert response.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert header(response, b"cache-control") == b"no-store"
    assert header(response, b"link") is None  # a security decision, not an enforcement
    document = json.loads(response.partition(b"\r\n\r\n")[2])
    assert document["error"] == "access_denied"
    assert "blocked visitors from your network" in document["message"]
    assert document["request_id"] == header(response, b"stockade-request-id").decode()  # type: ignore[union-attr]
    html = get(wire, b"Accept: text/html\r\n")
    assert b'<h1><span class="code">403</span> Access Denied</h1>' in html
    assert b"198.51.100" not in html.partition(b"\r\n\r\n")[2]  # no hint of which rule
    assert not reached_origin(wire)
    assert not wire.transport.ended
    assert edge.metrics.access == {("forum", "block"): 2}
    assert passes(edge, "192.0.2.1")


def test_an_allowed_visitor_skips_the_challenge_of_a_zone_under_attack(
    loop: asyncio.AbstractEventLoop,
) -> None:
    edge = make_edge(loop, allow("198.51.100.7"), security_level="under_attack")
    assert passes(edge, "198.51.100.7")
    other = Wire(edge, peer=("198.51.100.8", 1))
    assert get(other).startswith(b"HTTP/1.1 403 ")
    assert edge.metrics.access == {("forum", "allow"): 1}
    assert edge.metrics.challenges == {("forum", "issued"): 1}


def test_allow_does_not_lift_an_enforcement(loop: asyncio.AbstractEventLoop) -> None:
    enforcement = Enforcement(
        id="e1",
        action="block",
        basis="legal",
        reason="This site is blocked under a court order.",
        notice_url="https://provider.example/notices/1",
    )
    edge = make_edge(loop, allow("198.51.100.0/24"), enforcements=(enforcement,))
    wire = Wire(edge, peer=("198.51.100.7", 1))
    assert get(wire).startswith(b"HTTP/1.1 451 ")


def test_a_challenged_network_needs_clearance_on_a_normal_zone(
    loop: asyncio.AbstractEventLoop,
) -> None:
    edge = make_edge(loop, challenge("198.51.100.0/24"))
    route = edge.table.find("forum.example")
    assert route is not None and route.challenge is not None
    wire = Wire(edge, peer=("198.51.100.7", 1))
    wire.pool_connection(ORIGIN)
    page = get(wire, b"Accept: application/json\r\n")
    assert page.startswith(b"HTTP/1.1 403 ")
    assert json.loads(page.partition(b"\r\n\r\n")[2])["error"] == "challenge"
    cookie = route.challenge.clearance(int(time.time()))
    get(wire, b"Cookie: stockade_clearance=" + cookie + b"\r\n")
    assert reached_origin(wire)
    assert edge.metrics.access == {("forum", "challenge"): 2}
    assert edge.metrics.challenges == {("forum", "issued"): 1, ("forum", "cleared"): 1}
    # Visitors no rule names are not challenged on a zone that is not under attack.
    assert passes(edge, "192.0.2.1")


def test_zones_without_challenge_rules_or_attack_have_no_challenge(
    loop: asyncio.AbstractEventLoop,
) -> None:
    route = make_edge(loop, block("192.0.2.0/24")).table.find("forum.example")
    assert route is not None and route.access is not None and route.challenge is None
    route = make_edge(loop).table.find("forum.example")
    assert route is not None and route.access is None


def test_rules_a_database_is_missing_for_are_named_in_the_log(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="stockade.edge"):
        make_edge(loop, AccessRule(action="block", asns=(64496,)))
    assert (
        "access rules by ASN match nobody in 1 zone(s) (forum): set edge.asn_database"
        in caplog.text
    )
