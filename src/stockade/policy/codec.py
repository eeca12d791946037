"""Compact binary encoding of snapshots (MessagePack via msgspec)."""

from __future__ import annotations

import msgspec

from stockade.policy.types import Snapshot

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Snapshot)


def encode_snapshot(snapshot: Snapshot) -> bytes:
    return _encoder.encode(snapshot)


def decode_snapshot(data: bytes) -> Snapshot:
    """Decode and validate; raises msgspec.ValidationError or ZoneError on bad data."""
    return _decoder.decode(data)
