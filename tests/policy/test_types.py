from __future__ import annotations

import pytest

from stockade.policy import (
    Snapshot,
    Zone,
    ZoneError,
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


def test_challenge_settings_are_checked_at_their_bounds() -> None:
    validate_challenge("normal", 1, 60)
    validate_challenge("under_attack", 32, 2592000)
    with pytest.raises(ZoneError, match=r"^challenge_difficulty 33 is out of range"):
        validate_challenge("normal", 33, 3600)
    with pytest.raises(ZoneError, match=r"^Zone 'forum': clearance_ttl 30 is out of range"):
        validate_challenge("normal", 16, 30, zone="forum")
