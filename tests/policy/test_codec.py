from __future__ import annotations

import msgspec
import pytest

from stockade.policy import (
    AccessRule,
    FirewallRule,
    Snapshot,
    Zone,
    ZoneError,
    check_known_keys,
    decode_snapshot,
    encode_snapshot,
    explain,
)


def test_snapshots_round_trip() -> None:
    snapshot = Snapshot(
        revision=7,
        zones=(
            Zone(
                name="forum",
                hostnames=("forum.example", "*.forum.example"),
                origins=("http://10.0.0.5:8080", "https://10.0.0.6"),
                origin_host="forum.internal",
            ),
        ),
    )
    data = encode_snapshot(snapshot)
    assert isinstance(data, bytes)
    assert decode_snapshot(data) == snapshot


def test_decoding_checks_zones() -> None:
    bad = msgspec.msgpack.encode(
        {"revision": 1, "zones": [{"name": "x", "hostnames": ["BAD"], "origins": ["http://a"]}]}
    )
    with pytest.raises(msgspec.ValidationError, match="not a valid hostname"):
        decode_snapshot(bad)


def test_a_validation_error_is_explained_from_its_path() -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert([{"id": "wp", "expression": "true", "action": "drop"}], list[FirewallRule])
    assert explain(caught.value) == "[0].action: Invalid enum value 'drop'; fix that value."
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(
            [{"id": "Bad", "expression": "true", "action": "block"}], list[FirewallRule]
        )
    assert explain(caught.value).startswith("[0]: Firewall rule id 'Bad' is not usable: use")


def test_unknown_keys_are_refused_naming_the_known_ones() -> None:
    check_known_keys({"action": "block", "ips": ["10.0.0.1"]}, AccessRule, "access_rules[0]")
    with pytest.raises(ZoneError) as caught:
        check_known_keys({"action": "block", "ip": ["10.0.0.1"]}, AccessRule, "access_rules[0]")
    assert str(caught.value) == (
        "access_rules[0] has an unknown key 'ip'; the keys are action, asns, countries, ips, note."
    )
