"""Compact binary encoding of snapshots (MessagePack via msgspec), and what is wrong
with policy data given by people (a config file, an API body) said in a sentence."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import msgspec

from stockade.policy.types import Snapshot, ZoneError

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Snapshot)


def encode_snapshot(snapshot: Snapshot) -> bytes:
    return _encoder.encode(snapshot)


def decode_snapshot(data: bytes) -> Snapshot:
    """Decode and validate; raises msgspec.ValidationError or ZoneError on bad data."""
    return _decoder.decode(data)


def explain(error: msgspec.ValidationError) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.edge.workers`" as a sentence that
    starts with the path: "edge.workers: Expected `int`, got `str`; fix that value."."""
    message = str(error)
    text, _, where = message.partition(" - at `$")
    if not where:
        return message if message.endswith(".") else f"{message}."
    path = where.rstrip("`").lstrip(".")
    return f"{path}: {text}" if text.endswith(".") else f"{path}: {text}; fix that value."


def check_known_keys(table: Mapping[str, object], kind: type[msgspec.Struct], where: str) -> None:
    """Raise ZoneError naming the first key of `table` that `kind` has no field for.

    Snapshot types accept unknown fields (a newer control plane may add some), but from a
    person an unknown key is a typo that would silently change nothing."""
    known = _field_names(kind)
    for key in table:
        if key not in known:
            raise ZoneError(
                f"{where} has an unknown key '{key}'; the keys are {', '.join(sorted(known))}."
            )


@functools.cache
def _field_names(kind: type[msgspec.Struct]) -> frozenset[str]:
    # structs.fields evaluates annotations on each call: too slow for 10,000 zones.
    return frozenset(field.name for field in msgspec.structs.fields(kind))
