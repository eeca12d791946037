from __future__ import annotations

import msgspec
import pytest

from stockade.policy import Snapshot, Zone, decode_snapshot, encode_snapshot


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
