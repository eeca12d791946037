from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from stockade.policy import (
    AccessRule,
    Snapshot,
    Zone,
    ZoneError,
    address_number,
    parse_network,
    validate_challenge,
    validate_hostname,
    validate_origin,
)


def zone(**overrides: object) -> Zone:
    fields: dict[str, object] = {
        "name": "forum",
        "hostnames": ("forum.example",),
        "origins": ("http://10.0.0.5:8080",),
    }
    fields.update(overrides)
    return Zone(**fields)  # type: ignore[arg-type]


def test_a_valid_zone_keeps_its_fields_and_defaults() -> None:
    forum = zone(hostnames=("forum.example", "*.forum.example"))
    assert forum.hostnames == ("forum.example", "*.forum.example")
    assert forum.max_body_bytes == 100 * 1024 * 1024
    assert forum.origin_host is None
    assert forum.verify_origin_tls is True


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"name": ""}, "needs a name"),
        ({"hostnames": ()}, "no hostname"),
        ({"hostnames": ("Forum.Example",)}, "not a valid hostname"),
        ({"hostnames": ("bad_host.example",)}, "not a valid hostname"),
        ({"hostnames": ("a.*.example",)}, "not a valid hostname"),
        ({"origins": ()}, "no origin"),
        ({"origins": ("ftp://10.0.0.5",)}, "is not usable"),
        ({"origins": ("http://10.0.0.5/path",)}, "is not usable"),
        ({"origins": ("http://10.0.0.5:99999",)}, "is not usable"),
        ({"connect_timeout": 0}, "more than 0"),
        ({"max_body_bytes": -1}, "cannot be negative"),
        ({"tls_certificate": "/c.pem"}, "give both"),
        ({"security_level": "panic"}, "security_level 'panic' is not known"),
        ({"challenge_difficulty": 0}, "challenge_difficulty 0 is out of range: give 1 to 32"),
        ({"challenge_difficulty": 33}, "challenge_difficulty 33 is out of range"),
        ({"clearance_ttl": 59}, "clearance_ttl 59 is out of range: give 60 seconds"),
        ({"clearance_ttl": 2592001}, "clearance_ttl 2592001 is out of range"),
        ({"sample_rate": -0.1}, "sample_rate -0.1 is out of range: give 0"),
        ({"sample_rate": 1.5}, "sample_rate 1.5 is out of range"),
        ({"sample_types": ("html",)}, "sample type 'html' is not a media type"),
        ({"sample_types": ("text/html; charset=utf-8",)}, "is not a media type"),
    ],
)
def test_bad_zones_are_refused_with_a_sentence(overrides: dict[str, object], words: str) -> None:
    with pytest.raises(ZoneError, match=words):
        zone(**overrides)


def test_a_hostname_belongs_to_one_zone_only() -> None:
    with pytest.raises(
        ZoneError, match=r"'forum\.example' is in both zone 'forum' and zone 'copy'"
    ):
        Snapshot(zones=(zone(), zone(name="copy")))
    with pytest.raises(ZoneError, match="zone names must be unique"):
        Snapshot(zones=(zone(), zone(hostnames=("other.example",))))


def test_validators_accept_good_values() -> None:
    validate_hostname("xn--bcher-kva.example")
    validate_hostname("*.example.org")
    validate_origin("https://origin.example.org")
    validate_origin("http://[::1]:8080/")


# access rules


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({}, r"An access rule \(block\) matches nobody: give it ips, countries or asns\."),
        (
            {"ips": ("198.51.100.1/24",)},
            r"has host bits set after the /24: write 198\.51\.100\.0/24",
        ),
        ({"ips": ("2001:db8::1/32",)}, r"host bits set after the /32: write 2001:db8::/32"),
        ({"ips": ("198.51.100.0/33",)}, "prefix length that is not 0 to 32"),
        ({"ips": ("2001:db8::/129",)}, "prefix length that is not 0 to 128"),
        ({"ips": ("198.51.100.0/",)}, "prefix length"),
        ({"ips": ("198.51.100.0/²",)}, "prefix length"),
        ({"ips": ("198.51.100",)}, "is not an IP address or CIDR block"),
        ({"ips": ("01.2.3.4",)}, "is not an IP address or CIDR block"),
        ({"ips": ("fe80::1%eth0",)}, "is not an IP address or CIDR block"),
        ({"ips": ("forum.example",)}, "is not an IP address or CIDR block"),
        ({"ips": ("::ffff:0:0/95",)}, "beyond the IPv4-mapped range"),
        ({"countries": ("fr",)}, "'fr' is not a country code: use two capital letters"),
        ({"asns": (0,)}, "ASN 0 is out of range: give an autonomous system number from 1"),
        ({"asns": (2**32,)}, "out of range"),
    ],
)
def test_bad_access_rules_are_refused_with_a_sentence(
    fields: dict[str, object], words: str
) -> None:
    with pytest.raises(ZoneError, match=words):
        AccessRule(action="block", **fields)  # type: ignore[arg-type]


def test_an_access_rule_keeps_its_values_and_a_zone_its_rules() -> None:
    rule = AccessRule(
        action="challenge",
        ips=("203.0.113.9", "2001:db8::/32"),
        countries=("FR",),
        asns=(64496,),
        note="seen scraping",
    )
    assert zone(access_rules=(rule,)).access_rules == (rule,)
    assert zone().access_rules == ()


def test_networks_are_parsed_as_ipaddress_reads_them() -> None:
    assert parse_network("198.51.100.0/24") == (32, 0xC6336400, 24)
    assert parse_network("203.0.113.9") == (32, 0xCB007109, 32)
    assert parse_network("2001:db8::/32") == (128, 0x20010DB8 << 96, 32)
    assert parse_network("::ffff:198.51.100.0/120") == (32, 0xC6336400, 24)
    assert parse_network("::ffff:198.51.100.7") == (32, 0xC6336407, 32)
    assert address_number("::ffff:198.51.100.7") == (32, 0xC6336407)
    assert address_number("unix") is None


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_ipv4_blocks_agree_with_ipaddress(value: int, prefix: int) -> None:
    network = ipaddress.IPv4Network((value, prefix), strict=False)
    assert parse_network(str(network)) == (32, int(network.network_address), prefix)
    if value != int(network.network_address):
        with pytest.raises(ZoneError, match="host bits set"):
            parse_network(f"{ipaddress.IPv4Address(value)}/{prefix}")


@given(st.integers(0, 2**128 - 1), st.integers(0, 128))
@example(int(ipaddress.IPv6Address("::ffff:0:0")), 0)
def test_ipv6_blocks_and_addresses_agree_with_ipaddress(value: int, prefix: int) -> None:
    address = ipaddress.IPv6Address(value)
    mapped = address.ipv4_mapped
    expected = (32, int(mapped)) if mapped is not None else (128, value)
    assert address_number(str(address)) == expected
    assert address_number(address.exploded) == expected
    network = ipaddress.IPv6Network((value, prefix), strict=False)
    if not network.subnet_of(ipaddress.IPv6Network("::ffff:0:0/96")):
        assert parse_network(str(network)) == (128, int(network.network_address), prefix)
        if value != int(network.network_address):
            # An IPv4-mapped address with a prefix under 96 is refused for that first.
            problem = "host bits set" if mapped is None else "beyond the IPv4-mapped range"
            with pytest.raises(ZoneError, match=problem):
                parse_network(f"{address}/{prefix}")


def test_challenge_settings_are_checked_at_their_bounds() -> None:
    validate_challenge("normal", 1, 60)
    validate_challenge("under_attack", 32, 2592000)
    with pytest.raises(ZoneError, match=r"^challenge_difficulty 33 is out of range"):
        validate_challenge("normal", 33, 3600)
    with pytest.raises(ZoneError, match=r"^Zone 'forum': clearance_ttl 30 is out of range"):
        validate_challenge("normal", 16, 30, zone="forum")


def test_sampling_is_off_unless_a_zone_asks() -> None:
    assert zone().sample_rate == 0.0
    assert zone().sample_types == ("text/html", "application/json")
    assert zone(sample_rate=0.1, sample_types=("text/plain",)).sample_types == ("text/plain",)
