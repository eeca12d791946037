from __future__ import annotations

import msgspec
import pytest

from stockade.policy import (
    AccessRule,
    FirewallRule,
    Snapshot,
    SnapshotDecoder,
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


def _zone(name: str, origin: str = "http://10.0.0.5") -> Zone:
    return Zone(name=name, hostnames=(f"{name}.example",), origins=(origin,))


def test_a_snapshot_decoder_reuses_the_zones_encoded_as_before() -> None:
    decoder = SnapshotDecoder()
    first = decoder.decode(encode_snapshot(Snapshot(revision=1, zones=(_zone("a"), _zone("b")))))
    assert first == Snapshot(revision=1, zones=(_zone("a"), _zone("b")))
    changed = Snapshot(revision=2, zones=(_zone("a"), _zone("b", "http://10.0.0.9"), _zone("c")))
    second = decoder.decode(encode_snapshot(changed))
    assert second == changed == decode_snapshot(encode_snapshot(changed))
    assert second.zones[0] is first.zones[0]
    assert second.zones[1] is not first.zones[1]


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"name": "x", "hostnames": ["BAD"], "origins": ["http://a"]}, "not a valid hostname"),
        ({"name": "x", "hostnames": "x.example", "origins": ["http://a"]}, "Expected `array`"),
        ({"name": "a", "hostnames": ["other.example"], "origins": ["http://a"]}, "named 'a'"),
    ],
)
def test_a_snapshot_decoder_refuses_what_decode_snapshot_refuses_and_keeps_nothing_of_it(
    bad: dict[str, object], error: str
) -> None:
    decoder = SnapshotDecoder()
    kept = decoder.decode(encode_snapshot(Snapshot(revision=1, zones=(_zone("a"),))))
    data = msgspec.msgpack.encode(
        {
            "revision": 2,
            "zones": [
                {"name": "a", "hostnames": ["a.example"], "origins": ["http://10.0.0.5"]},
                bad,
            ],
        }
    )
    with pytest.raises(msgspec.ValidationError, match=error) as caught:
        decoder.decode(data)
    with pytest.raises(msgspec.ValidationError) as expected:
        decode_snapshot(data)
    assert str(caught.value) == str(expected.value)
    # The refused snapshot left nothing behind: zone a is still the one decoded first.
    again = decoder.decode(encode_snapshot(Snapshot(revision=3, zones=(_zone("a"),))))
    assert again.zones[0] is kept.zones[0]


def test_repeated_names_and_hostnames_are_found_among_many_zones() -> None:
    zones = tuple(_zone(f"zone-{index}") for index in range(1000))
    Snapshot(zones=zones)
    with pytest.raises(ZoneError, match="Two zones are named 'zone-3'"):
        Snapshot(zones=(*zones, _zone("zone-3", "http://10.0.0.9")))
    clash = Zone(name="other", hostnames=("zone-7.example",), origins=("http://a",))
    with pytest.raises(
        ZoneError, match=r"'zone-7\.example' is in both zone 'zone-7' and zone 'other'"
    ):
        Snapshot(zones=(*zones, clash))
    # One zone naming a hostname twice is its own business, as before.
    Snapshot(zones=(Zone(name="z", hostnames=("z.example", "z.example"), origins=("http://a",)),))
